using EmailAI.Contracts;
using EmailAI.Grains.Quota;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace EmailAI.Grains.Policy;

/// <summary>
/// Decides the recipients no domain grain can take (address literals, names that are not host names) with the
/// same <see cref="RecipientRules"/> as the domain grains, and the envelope sender of an authenticated session
/// (<see cref="SenderRules"/>), both from this silo's cached relay policy. A stateless worker: every silo runs its own activations,
/// next to the gateway call. Reentrant: decisions share nothing mutable.
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed partial class SessionPolicyGrain(
    RelayPolicyCache relayPolicy,
    MaildropQuota quota,
    ServerPostmaster serverPostmaster,
    ILogger<SessionPolicyGrain> logger) : Grain, ISessionPolicyGrain
{
    public Task<PolicyVerdict> DecideRecipientAsync(RecipientRequest request) =>
        new RecipientRules(relayPolicy, ResolveAsync, quota, serverPostmaster).DecideAsync(request);

    public Task<PolicyVerdict> DecideSenderAsync(SenderRequest request) =>
        new SenderRules(relayPolicy).DecideAsync(request);

    /// <summary>
    /// The dry run: the location verdict and Authorised IP match from this silo's cached policy, and the recipient's
    /// verdict from the grain that would decide it in a real session (<see cref="RecipientDeciders"/>), which reads
    /// but never writes.
    /// </summary>
    public async Task<RelayCheck> CheckRelayAsync(RelayCheckRequest request)
    {
        var policy = await relayPolicy.GetAsync();
        var location = policy.CheckLocation(request.Session);
        var verdict = location.Blocked
            ? PolicyVerdict.LocationBlocked(policy.Settings.IpLocationBlocking.Message, location)
            : request.Recipient is { } recipient
                ? await RecipientDeciders.For(GrainFactory, recipient).DecideRecipientAsync(recipient)
                : null;
        return new RelayCheck(location, policy.AuthorisedEntry(request.Session.ClientAddress), verdict, policy.Version);
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
