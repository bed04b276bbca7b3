using System.Net;

namespace EmailAI.Grains.Authentication.Spf;

/// <summary>
/// One directive of a record (RFC 7208 §4.6.1): the <see cref="Qualifier"/> (the result when it matches: pass, fail,
/// softfail or neutral, §4.6.2), the mechanism, its unexpanded <see cref="DomainSpec"/> (null when the mechanism
/// takes none or it was left out: the current domain), the <see cref="Network"/> of <c>ip4</c>/<c>ip6</c>, and the
/// prefix lengths (<see cref="Prefix4"/>, <see cref="Prefix6"/>; the dual-cidr-length of <c>a</c> and <c>mx</c>,
/// §5.6). <see cref="Text"/> is the term as written, for the outcome's reason.
/// </summary>
public sealed record SpfMechanism(SpfResult Qualifier, SpfMechanismKind Kind, string? DomainSpec, IPAddress? Network, int Prefix4, int Prefix6, string Text)
{
    /// <summary>The terms that query DNS and count towards <see cref="SpfLimits.MaxDnsTerms"/> (RFC 7208 §4.6.4).</summary>
    public bool QueriesDns => Kind is SpfMechanismKind.Include or SpfMechanismKind.A or SpfMechanismKind.Mx or SpfMechanismKind.Ptr or SpfMechanismKind.Exists;
}
