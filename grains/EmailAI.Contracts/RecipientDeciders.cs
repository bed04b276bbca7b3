namespace EmailAI.Contracts;

/// <summary>Which grain decides a recipient: the grain of the domain it names, else the session-policy grain.</summary>
public static class RecipientDeciders
{
    /// <summary>
    /// The grain that decides <paramref name="request"/>: the domain grain of the recipient's domain (of this
    /// server's own name for a bare <c>&lt;Postmaster&gt;</c>) when that is a valid host name, so the decision is
    /// one call to the grain that holds the answer; otherwise the stateless session-policy grain.
    /// </summary>
    public static IRecipientDecider For(IGrainFactory grains, RecipientRequest request) =>
        request.DomainKey is { } domain
            ? grains.GetGrain<IDomainGrain>(domain)
            : grains.GetGrain<ISessionPolicyGrain>(GrainKeys.SessionPolicy);
}
