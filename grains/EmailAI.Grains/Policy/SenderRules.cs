using EmailAI.Contracts;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Grains.Policy;

/// <summary>
/// Whose envelope sender an authenticated session may use, from the relay policy's <c>submissionSenders</c>:
/// <list type="bullet">
/// <item><see cref="SubmissionSenders.Own"/> (the default): the sender, normalised by <see cref="EmailAddress"/>
/// (domain case and IDN spellings fold, the local part is lower-cased and unquoted as account addresses are), must
/// be the authenticated account's address.</item>
/// <item><see cref="SubmissionSenders.Domain"/>: any address whose normalised domain is the account's.</item>
/// <item><see cref="SubmissionSenders.Any"/>: anything.</item>
/// </list>
/// The null sender <c>&lt;&gt;</c> is accepted, as Postfix's <c>reject_sender_login_mismatch</c> ignores it: it
/// names no one, and bounces and notifications a user's client sends need it. A session that did not authenticate
/// is not judged here (accepted). Refusal: <c>553 5.7.1 Sender address not owned by the authenticated user</c>
/// (RFC 5321 §3.3, RFC 3463 5.7.1); 451 4.3.0 when the relay policy cannot be read. Decisions share nothing mutable.
/// </summary>
public sealed class SenderRules(RelayPolicyCache relayPolicy)
{
    public static readonly SmtpReply SenderNotOwned = new(553, "5.7.1", "Sender address not owned by the authenticated user");

    public async Task<PolicyVerdict> DecideAsync(SenderRequest request)
    {
        var identity = request.Facts.AuthenticatedIdentity;
        if (identity is null)
        {
            return PolicyVerdict.AcceptSender("session not authenticated");
        }

        if (request.IsNullSender)
        {
            return PolicyVerdict.AcceptSender("null sender");
        }

        SubmissionSenders rule;
        try
        {
            rule = (await relayPolicy.GetAsync()).Settings.SubmissionSenders;
        }
        catch (Exception)
        {
            return PolicyVerdict.Refuse(SmtpReplies.TemporaryFailure, "the relay policy could not be read");
        }

        if (rule == SubmissionSenders.Any)
        {
            return PolicyVerdict.AcceptSender("submissionSenders any");
        }

        if (!GrainKeys.TryNormalizeAddress(identity, out var account)
            || !EmailAddress.TryCreate(request.LocalPart, request.Domain, out var sender))
        {
            return PolicyVerdict.Refuse(SenderNotOwned, $"sender <{request.LocalPart}@{request.Domain}> is not an address of {identity}");
        }

        var owned = rule == SubmissionSenders.Domain
            ? sender.Domain == GrainKeys.DomainOf(account)
            : sender.Key == account;
        return owned
            ? PolicyVerdict.AcceptSender($"sender owned by {account} (submissionSenders {rule.ToString().ToLowerInvariant()})")
            : PolicyVerdict.Refuse(SenderNotOwned, $"sender {sender.Key} is not owned by {account} (submissionSenders {rule.ToString().ToLowerInvariant()})");
    }
}
