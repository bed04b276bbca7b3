using EmailAI.Contracts;
using EmailAI.Grains.Delivery;
using EmailAI.Grains.Quota;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Grains.Policy;

/// <summary>
/// Every RCPT decision, in one place. First IP location blocking (<see cref="CompiledRelayPolicy.CheckLocation"/>):
/// a refused client gets <c>550 5.7.1</c> with the admin's message for any recipient, postmaster included (the
/// message is the contact it is given instead), and the verdict says so (<see cref="PolicyVerdict.BlockedBy"/>),
/// so the session answers its later MAIL and RCPT the same. Then the rule that keeps the server from being an
/// open relay:
/// <list type="number">
/// <item>An address is local only when its domain (normalised by <see cref="EmailAddress"/>) is a local
/// domain; it is then delivered to the account whose normalised local part equals it, or to the domain's (or
/// account's) Advanced Delivery server, and never anywhere else.</item>
/// <item>Routing syntax inside a local part (<c>a%b@local</c>, <c>b!a@local</c>, quoted <c>"a@b"@local</c>)
/// is just characters of a local part: it matches no account (550 5.1.1) and is never re-parsed as an
/// address.</item>
/// <item>Source routes (<c>&lt;@a,@b:user@c&gt;</c>) never reach here: the gateway passes only
/// <c>user@c</c> (RFC 5321 §4.1.1.3, §C).</item>
/// <item>Address literals (<c>user@[192.0.2.1]</c>) are never local and never relayed.</item>
/// <item>Anything else is relay: accepted only when the session authenticated or the client's address is on
/// the Authorised IP list (read from this silo's <see cref="RelayPolicyCache"/>); otherwise 554 5.7.1. The
/// remote address keeps its local part's case.</item>
/// <item><c>&lt;Postmaster&gt;</c>, <c>postmaster@</c> the server's name and <c>postmaster@</c> a local domain are
/// accepted (RFC 5321 §4.5.1) into an existing account only: the domain's postmaster account, else its configured
/// postmaster, else the server's postmaster account (<see cref="ServerPostmaster"/>). When that account does not
/// exist the answer is <c>550 5.1.1</c> with a text that tells the admin what to create: no maildrop is ever
/// filled that no account owns.</item>
/// <item>A maildrop recipient (postmasters included) whose usage plus the SIZE declared on MAIL exceeds its
/// quota (usage at or over the quota when no SIZE was declared) is refused with <c>552 5.2.2</c> (RFC 5321
/// §4.5.3.1.10 allows it at RCPT); the accepted route carries the effective quota for ingest's check at DATA time.</item>
/// </list>
/// Applied by the grain that receives the decision (<see cref="IRecipientDecider"/>): the recipient domain's grain,
/// which resolves its own local parts from memory, or the session-policy grain. <paramref name="resolve"/> answers
/// what a domain says of a local part, or null when it could not be asked (then the answer is 451 4.3.0).
/// Decisions share nothing mutable and may run concurrently.
/// </summary>
/// <remarks>
/// A forwarding domain (Advanced Delivery of the whole domain) accepts only what its internal server would take,
/// so that the server's refusals never become bounces to forged senders (backscatter): routing syntax
/// (<see cref="DeliverySettings.HasRoutingSyntax"/>) is refused with 550 5.1.3; the domain grain refuses local
/// parts missing from its list (<c>"verifyRecipients": "list"</c>); with <c>"callout"</c> (the default) the internal
/// server is asked (<paramref name="callout"/>): 5xx there is 550 5.1.1 here, no answer 451 4.4.3. Postmaster is
/// accepted unasked (RFC 5321 §4.5.1). Where no callout is available (the session-policy grain, which never decides
/// for a local domain) a callout domain's recipient gets 451 4.4.3, never an unverified accept.
/// </remarks>
public sealed class RecipientRules(
    RelayPolicyCache relayPolicy,
    Func<string, string, Task<RecipientResolution?>> resolve,
    MaildropQuota quota,
    ServerPostmaster serverPostmaster,
    RecipientCallout? callout = null)
{
    public async Task<PolicyVerdict> DecideAsync(RecipientRequest request)
    {
        var session = request.Session;
        // One read of the cached policy per decision (a policy that cannot be loaded throws: 451 4.3.0 at the gateway).
        var policy = await relayPolicy.GetAsync();
        var location = policy.CheckLocation(session);
        if (location.Blocked)
        {
            return PolicyVerdict.LocationBlocked(policy.Settings.IpLocationBlocking.Message, location);
        }

        if (request.IsBarePostmaster)
        {
            return await DecideServerPostmasterAsync(request);
        }

        if (request.IsAddressLiteral)
        {
            return MayRelay(session, policy) is null
                ? RelayDenied(session)
                : PolicyVerdict.Refuse(SmtpReplies.AddressLiteralRelayDenied, "address literals are never relayed");
        }

        if (!EmailAddress.TryCreate(request.LocalPart, request.Domain, out var address))
        {
            return PolicyVerdict.Refuse(SmtpReplies.RelayDenied, $"'{request.Domain}' is not a valid host name");
        }

        var resolution = await resolve(address.Domain, address.LocalPart);
        if (resolution is null)
        {
            return LookupFailed(address.Domain);
        }

        switch (resolution.Kind)
        {
            case RecipientKind.Mailbox when address.LocalPart == "postmaster":
                return await AcceptMailboxAsync(request, resolution, postmaster: true, "postmaster of a local domain");
            case RecipientKind.Mailbox:
                return await AcceptMailboxAsync(request, resolution, postmaster: false, "local account");
            case RecipientKind.UnknownUser when resolution.Route is { IsForward: true } && DeliverySettings.HasRoutingSyntax(address.LocalPart):
                return PolicyVerdict.Refuse(SmtpReplies.RoutingSyntaxRefused, $"routing syntax in '{address.LocalPart}' for forwarding domain {address.Domain}");
            case RecipientKind.Postmaster:
                return await DecideDomainPostmasterAsync(request, address.Domain, resolution.Mailbox);
            case RecipientKind.NotLocal when address.LocalPart == "postmaster" && EmailAddress.TryNormalizeDomain(session.ServerDomain, out var own) && own == address.Domain:
                // postmaster@ this server's own name, which is no local domain: the server's postmaster (RFC 5321 §4.5.1).
                return await DecideServerPostmasterAsync(request);
            case RecipientKind.UnknownUser:
                return PolicyVerdict.Refuse(SmtpReplies.UnknownUser, $"no account '{address.LocalPart}' at local domain {address.Domain}");
            case RecipientKind.Forward:
                return await DecideForwardAsync(request, address, resolution);
        }

        // Not a local domain: relay, for authorised clients only.
        var permission = MayRelay(session, policy);
        return permission is null
            ? RelayDenied(session)
            : PolicyVerdict.Accept(new RelayRoute(request.Address, address.Domain), permission);
    }

    /// <summary>
    /// Advanced Delivery: accepted like local mail and queued for the internal server, once the recipient is known to
    /// be one it takes. One account's forward needs no check (the account exists), nor does a domain that verifies
    /// by list (its grain resolved only listed local parts to Forward) or not at all.
    /// </summary>
    private async Task<PolicyVerdict> DecideForwardAsync(RecipientRequest request, EmailAddress address, RecipientResolution resolution)
    {
        var route = new ForwardRoute(request.Address, resolution.Mailbox ?? address.Domain);
        var settings = resolution.Route;
        if (resolution.Mailbox is not null || settings is null)
        {
            return PolicyVerdict.Accept(route, "Advanced Delivery of an account");
        }

        if (settings.Verification != DeliverySettings.CalloutVerification || address.LocalPart == "postmaster")
        {
            return PolicyVerdict.Accept(route, $"Advanced Delivery (recipients verified: {settings.Verification})");
        }

        if (callout is null)
        {
            return PolicyVerdict.Refuse(SmtpReplies.RecipientUnverified, $"no recipient callout available for forwarding domain {address.Domain}");
        }

        var reply = await callout.VerifyAsync(address.Domain, settings, request.Address, address.Key);
        var said = $"internal server of {address.Domain} said: {reply.ToSingleLine()}";
        return reply.IsPositive ? PolicyVerdict.Accept(route, "Advanced Delivery, callout: " + said)
            : reply.IsPermanentFailure ? PolicyVerdict.Refuse(SmtpReplies.InternalServerRefused(reply.EnhancedCode), "callout refused: " + said)
            : PolicyVerdict.Refuse(SmtpReplies.RecipientUnverified, "callout unanswered: " + said);
    }

    /// <summary>
    /// postmaster@ a local domain without a postmaster account: its configured postmaster when that names an
    /// account, else the server's postmaster account.
    /// </summary>
    private async Task<PolicyVerdict> DecideDomainPostmasterAsync(RecipientRequest request, string domain, string? configured)
    {
        if (configured is not null)
        {
            var target = await resolve(GrainKeys.DomainOf(configured), GrainKeys.LocalPartOf(configured));
            if (target is null)
            {
                return LookupFailed(GrainKeys.DomainOf(configured));
            }

            if (target.Kind == RecipientKind.Mailbox)
            {
                return await AcceptMailboxAsync(request, target, postmaster: true, $"configured postmaster {configured} of {domain}");
            }
        }

        return await DecideServerPostmasterAsync(request);
    }

    /// <summary>
    /// RFC 5321 §4.5.1: <c>&lt;Postmaster&gt;</c> without a domain, postmaster@ the server's name, and any local
    /// domain's postmaster that has no account of its own: into the account <see cref="ServerPostmaster"/> names,
    /// refused with 550 5.1.1 and a text for the admin when it does not exist.
    /// </summary>
    private async Task<PolicyVerdict> DecideServerPostmasterAsync(RecipientRequest request)
    {
        var serverDomain = request.Session.ServerDomain;
        var lookupFailed = false;
        var address = await serverPostmaster.AddressAsync(serverDomain, async domain =>
        {
            var resolution = await resolve(domain, "postmaster");
            lookupFailed |= resolution is null;
            return resolution is not null && resolution.Kind != RecipientKind.NotLocal;
        });
        if (lookupFailed)
        {
            return LookupFailed(serverDomain);
        }

        if (address is null)
        {
            return PostmasterMissing("postmaster@" + serverDomain, "there is no local domain");
        }

        var target = await resolve(GrainKeys.DomainOf(address), GrainKeys.LocalPartOf(address));
        return target switch
        {
            null => LookupFailed(GrainKeys.DomainOf(address)),
            { Kind: RecipientKind.Mailbox } => await AcceptMailboxAsync(request, target, postmaster: true, $"postmaster of this server ({address})"),
            // The postmaster's domain (or account) hands its mail to an internal server: so does the postmaster's.
            { Kind: RecipientKind.Forward } => PolicyVerdict.Accept(
                new ForwardRoute(address, target.Mailbox ?? GrainKeys.DomainOf(address)), $"postmaster of this server ({address}), Advanced Delivery"),
            _ => PostmasterMissing(address, $"no account {address}"),
        };
    }

    /// <summary>
    /// Accepts a recipient into an account's maildrop unless that would take it over its effective quota
    /// (<see cref="MaildropQuota.Exceeds"/>): the usage is read now, so RCPTs of transactions in flight at the same
    /// time may all pass and their messages together overshoot; ingest checks again at DATA time.
    /// </summary>
    private async Task<PolicyVerdict> AcceptMailboxAsync(RecipientRequest request, RecipientResolution resolution, bool postmaster, string reason)
    {
        var mailbox = resolution.Mailbox!;
        var limit = quota.Effective(resolution.QuotaBytes);
        if (limit > 0)
        {
            var used = await quota.UsedBytesAsync(mailbox);
            if (MaildropQuota.Exceeds(used, limit, request.DeclaredSize))
            {
                return PolicyVerdict.Refuse(
                    SmtpReplies.MailboxFull,
                    $"maildrop {mailbox} holds {used} of its {limit} octets; declared size {request.DeclaredSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");
            }
        }

        return PolicyVerdict.Accept(
            postmaster ? new PostmasterRoute(mailbox) { QuotaBytes = limit } : new MaildropRoute(mailbox) { QuotaBytes = limit, UnlistedSenders = resolution.UnlistedSenders },
            reason);
    }

    /// <summary>550 5.1.1 for postmaster mail whose account is missing; the text is for the admin who reads the sender's bounce or the log.</summary>
    private static PolicyVerdict PostmasterMissing(string address, string reason) =>
        new(PolicyOutcome.Reject, 550, "5.1.1",
            $"Postmaster mailbox {address} does not exist; the administrator must create it or set EmailAI:PostmasterAccount",
            "postmaster: " + reason, null);

    /// <summary>
    /// Why this session may relay (for the log), or null when it may not: it authenticated, or its address is on
    /// the Authorised IP list of <paramref name="policy"/>, the version this decision read once, at its start.
    /// </summary>
    private static string? MayRelay(SessionFacts session, CompiledRelayPolicy policy)
    {
        if (session.Authenticated)
        {
            return $"relay for authenticated user {session.AuthenticatedIdentity}";
        }

        return policy.AuthorisedEntry(session.ClientAddress) is { } entry
            ? $"relay for Authorised IP [{session.ClientAddress}] (entry {entry}, policy version {policy.Version})"
            : null;
    }

    private static PolicyVerdict RelayDenied(SessionFacts session) =>
        PolicyVerdict.Refuse(SmtpReplies.RelayDenied, $"relay not permitted: [{session.ClientAddress}] is not on the Authorised IP list and did not authenticate");

    private static PolicyVerdict LookupFailed(string domain) =>
        PolicyVerdict.Refuse(SmtpReplies.TemporaryFailure, $"lookup of domain {domain} failed");
}
