using EmailAI.Contracts;
using EmailAI.Grains.Authentication.Spf;
using EmailAI.Grains.Quota;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace EmailAI.Grains.Policy;

/// <summary>
/// Decides the recipients no domain grain can take (address literals, names that are not host names) with the
/// same <see cref="RecipientRules"/> as the domain grains, and the envelope sender of an authenticated session
/// (<see cref="SenderRules"/>), both from this silo's cached relay policy, and the admin's dry run with its SPF check
/// (DNS is a silo's: the gateway of a cluster has no resolver). A stateless worker: every silo runs its own
/// activations, next to the gateway call. Reentrant: decisions share nothing mutable, and a dry run waiting on DNS
/// holds no turn.
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed partial class SessionPolicyGrain(
    RelayPolicyCache relayPolicy,
    MaildropQuota quota,
    ServerPostmaster serverPostmaster,
    ISpfChecker spf,
    ILogger<SessionPolicyGrain> logger) : Grain, ISessionPolicyGrain
{
    public Task<PolicyVerdict> DecideRecipientAsync(RecipientRequest request) =>
        new RecipientRules(relayPolicy, ResolveAsync, quota, serverPostmaster).DecideAsync(request);

    public Task<PolicyVerdict> DecideSenderAsync(SenderRequest request) =>
        new SenderRules(relayPolicy).DecideAsync(request);

    /// <summary>
    /// The dry run: the location verdict and Authorised IP match from this silo's cached policy, and the recipient's
    /// verdict from the grain that would decide it in a real session (<see cref="RecipientDeciders"/>), which reads
    /// but never writes; and, when asked, the SPF check of the MAIL FROM (or HELO) identity, run while the policy
    /// decides. SPF never throws for DNS trouble: that is its temperror.
    /// </summary>
    public async Task<RelayCheck> CheckRelayAsync(RelayCheckRequest request)
    {
        var spfCheck = request.SpfMailFrom is { } mailFrom
            ? spf.CheckAsync(request.Session.ClientAddress, request.Session.HeloName, mailFrom)
            : null;
        var policy = await relayPolicy.GetAsync();
        var location = policy.CheckLocation(request.Session);
        var verdict = location.Blocked
            ? PolicyVerdict.LocationBlocked(policy.Settings.IpLocationBlocking.Message, location)
            : request.Recipient is { } recipient
                ? await RecipientDeciders.For(GrainFactory, recipient).DecideRecipientAsync(recipient)
                : null;
        var outcome = spfCheck is null ? null : await spfCheck;
        var spfResult = outcome is null
            ? null
            : new RelaySpfCheck(outcome.Result.ToString().ToLowerInvariant(), outcome.Identity, outcome.Domain, outcome.Sender, outcome.Reason, outcome.Explanation);
        return new RelayCheck(location, policy.AuthorisedEntry(request.Session.ClientAddress), verdict, policy.Version, spfResult);
    }

    public async Task<AuthorisedClientCheck> CheckAuthorisedClientAsync(AuthorisedClientRequest request)
    {
        var policy = await relayPolicy.GetAsync();
        return new AuthorisedClientCheck(policy.AuthorisedEntry(request.ClientAddress), policy.Version);
    }

    /// <summary>The domain grain's answer, or null when it could not be asked (logged here, answered 451).</summary>
    private async Task<RecipientResolution?> ResolveAsync(string domain, string localPart)
    {
        try
        {
            return await GrainFactory.GetGrain<IDomainGrain>(domain).ResolveAsync(localPart);
        }
        catch (Exception ex)
        {
            LogLookupFailed(logger, domain, ex);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recipient lookup for domain {Domain} failed")]
    private static partial void LogLookupFailed(ILogger logger, string domain, Exception exception);
}
