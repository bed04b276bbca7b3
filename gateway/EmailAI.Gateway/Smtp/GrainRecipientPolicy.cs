using EmailAI.Contracts;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Smtp;

/// <summary>
/// RCPT decisions by grain calls: one call to the recipient's domain grain. The rule that keeps the
/// server from being an open relay: an address is local only when its domain is a local domain, and a
/// local address is delivered only to the account whose normalised local part equals it. Routing
/// syntax inside a local part (<c>a%b@local</c>, <c>b!a@local</c>, quoted <c>"a@b"@local</c>) is just
/// characters of a local part, which match no account; source routes are ignored (RFC 5321 §C);
/// address literals are never local. Anything not local is relay, refused here.
/// </summary>
public sealed class GrainRecipientPolicy(
    IGrainFactory grains,
    IOptions<EmailAIOptions> options,
    ILogger<GrainRecipientPolicy> logger) : IRecipientPolicy
{
    /// <summary>Destination tokens handed to the message sink.</summary>
    public const string MailboxPrefix = "mailbox:";

    public async ValueTask<RecipientVerdict> CheckRecipientAsync(SmtpSessionInfo session, SmtpPath sender, SmtpPath recipient, CancellationToken cancellationToken)
    {
        var verdict = await DecideAsync(session, recipient);
        if (!verdict.Accepted)
        {
            // One line per refusal, like an MTA's reject log: who, from where, to whom, and the answer.
            GatewayTelemetry.RecipientsRejected.Add(1, new KeyValuePair<string, object?>("code", verdict.Reply.Code));
            logger.LogInformation(
                "Rejected RCPT {Recipient} from {Sender} [{RemoteAddress}] helo={Helo}: {Code} {EnhancedCode}",
                recipient, sender, session.RemoteAddress, session.HeloName, verdict.Reply.Code, verdict.Reply.EnhancedCode);
        }

        return verdict;
    }

    private async ValueTask<RecipientVerdict> DecideAsync(SmtpSessionInfo session, SmtpPath recipient)
    {
        string domain;
        string localPart;
        if (recipient.IsBarePostmaster)
        {
            // RFC 5321 §4.5.1: <Postmaster> without a domain is this server's postmaster.
            if (!GrainKeys.TryNormalizeDomain(options.Value.ServerDomain, out var serverDomain))
            {
                return RecipientVerdict.Accept(MailboxPrefix + "postmaster@localhost");
            }

            domain = serverDomain;
            localPart = "postmaster";
        }
        else
        {
            var mailbox = recipient.Mailbox!;
            if (mailbox.IsAddressLiteral || !GrainKeys.TryNormalizeDomain(mailbox.Domain, out var normalizedDomain))
            {
                return RecipientVerdict.Refuse(SmtpReplies.RelayDenied);
            }

            domain = normalizedDomain;
            localPart = NormalizeLocalPart(mailbox.LocalPart);
        }

        RecipientResolution resolution;
        try
        {
            resolution = await grains.GetGrain<IDomainGrain>(domain).ResolveAsync(localPart);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Recipient lookup for {Domain} failed in session {SessionId}", domain, session.SessionId);
            return RecipientVerdict.Refuse(SmtpReplies.TemporaryFailure);
        }

        switch (resolution.Kind)
        {
            case RecipientKind.Mailbox:
                return RecipientVerdict.Accept(MailboxPrefix + resolution.Mailbox);
            case RecipientKind.UnknownUser:
                return RecipientVerdict.Refuse(SmtpReplies.UnknownUser);
            case RecipientKind.Forward:
                // Advanced Delivery needs the outbound queue; until it exists the sender keeps the message and retries.
                return RecipientVerdict.Refuse(SmtpReplies.ForwardingUnavailable);
            default:
                if (recipient.IsBarePostmaster)
                {
                    return RecipientVerdict.Accept(MailboxPrefix + "postmaster@" + domain);
                }

                return RecipientVerdict.Refuse(SmtpReplies.RelayDenied);
        }
    }

    /// <summary>
    /// Lower-cases a local part; a quoted string whose content is a plain dot-atom is the same mailbox as
    /// the unquoted form (RFC 5321 §4.1.2). Other quoted forms keep their quotes and match no account.
    /// </summary>
    private static string NormalizeLocalPart(string localPart)
    {
        if (localPart.StartsWith('"'))
        {
            var inner = localPart[1..^1];
            if (!inner.Contains('\\') && SmtpAddressParser.IsDotString(inner, utf8: true))
            {
                return inner.ToLowerInvariant();
            }

            return localPart;
        }

        return localPart.ToLowerInvariant();
    }
}
