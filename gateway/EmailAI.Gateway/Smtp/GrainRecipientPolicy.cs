using EmailAI.Contracts;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Smtp;

/// <summary>
/// RCPT decisions by grain calls. The rule that keeps the server from being an open relay:
/// <list type="number">
/// <item>An address is local only when its domain (IDNA-normalised, lower case) is a local domain; it is then
/// delivered to the account whose normalised local part equals it, or to the domain's Advanced Delivery
/// server, and never anywhere else.</item>
/// <item>Routing syntax inside a local part (<c>a%b@local</c>, <c>b!a@local</c>, quoted <c>"a@b"@local</c>)
/// is just characters of a local part: it matches no account (550 5.1.1) and is never re-parsed as an address.</item>
/// <item>Source routes (<c>&lt;@a,@b:user@c&gt;</c>) are accepted and ignored (RFC 5321 §4.1.1.3, §C): only
/// <c>user@c</c> counts.</item>
/// <item>Address literals (<c>user@[192.0.2.1]</c>) are never local and never relayed.</item>
/// <item>Anything else is relay: accepted only when the client's address is on the Authorised IP list (or
/// the session authenticated); otherwise 554 5.7.1. The remote address keeps its local part's case.</item>
/// </list>
/// The parser (SmtpAddressParser) has already refused what RFC 5321 does not allow, such as a domain with a
/// trailing dot or an unbalanced quote.
/// </summary>
public sealed class GrainRecipientPolicy(
    IGrainFactory grains,
    IOptions<EmailAIOptions> options,
    ILogger<GrainRecipientPolicy> logger) : IRecipientPolicy
{
    /// <summary>Destination token of a local maildrop: the prefix and the maildrop key.</summary>
    public const string MailboxPrefix = "mailbox:";

    /// <summary>Destination token of a relayed recipient: the prefix and the address as it goes out in RCPT TO.</summary>
    public const string RelayPrefix = "relay:";

    /// <summary>
    /// Destination token of a recipient with Advanced Delivery: the prefix, the queue's destination (the domain,
    /// or the account when only that account forwards), a line feed (which no address or key contains), the address.
    /// </summary>
    public const string ForwardPrefix = "forward:";

    /// <summary>Relaying to an address literal: refused even for authorised clients.</summary>
    public static readonly SmtpReply AddressLiteralRelayDenied = new(554, "5.7.1", "Relay access denied: address literals are not relayed");

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
            if (mailbox.IsAddressLiteral)
            {
                return RecipientVerdict.Refuse(await MayRelayAsync(session) ? AddressLiteralRelayDenied : SmtpReplies.RelayDenied);
            }

            if (!GrainKeys.TryNormalizeDomain(mailbox.Domain, out var normalizedDomain))
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
            case RecipientKind.Forward when !recipient.IsBarePostmaster:
                // Advanced Delivery: accepted like local mail, queued for the domain's internal server.
                return RecipientVerdict.Accept(ForwardPrefix + (resolution.Mailbox ?? domain) + "\n" + recipient.Mailbox);
            default:
                if (recipient.IsBarePostmaster)
                {
                    return RecipientVerdict.Accept(MailboxPrefix + "postmaster@" + domain);
                }

                // Not a local domain: relay, for authorised clients only.
                return await MayRelayAsync(session)
                    ? RecipientVerdict.Accept(RelayPrefix + recipient.Mailbox)
                    : RecipientVerdict.Refuse(SmtpReplies.RelayDenied);
        }
    }

    /// <summary>
    /// Whether this session may relay: it authenticated, or its client address is on the Authorised IP list.
    /// Asked once per relayed RCPT, so an admin's change applies to the next recipient. A failed lookup throws,
    /// which the session answers with 451 4.3.0 (never a relay by default).
    /// </summary>
    private async ValueTask<bool> MayRelayAsync(SmtpSessionInfo session) =>
        session.Authenticated
        || await grains.GetGrain<IRelayPolicyGrain>(GrainKeys.RelayPolicy).IsAuthorisedAsync(session.RemoteAddress.ToString());

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
