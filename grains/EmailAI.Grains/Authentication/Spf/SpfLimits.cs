namespace EmailAI.Grains.Authentication.Spf;

/// <summary>The processing limits of RFC 7208 §4.6.4 and §11.1, which stop an SPF record from turning receivers into a DNS amplifier.</summary>
public static class SpfLimits
{
    /// <summary>
    /// RFC 7208 §4.6.4: at most 10 mechanisms and modifiers that query DNS (include, a, mx, ptr, exists, redirect) in
    /// one check, counted across includes and redirects; the 11th is a permerror. This is also what ends include
    /// and redirect loops.
    /// </summary>
    public const int MaxDnsTerms = 10;

    /// <summary>RFC 7208 §4.6.4: at most 2 "void lookups" (NXDOMAIN, or an answer with no records); the 3rd is a permerror.</summary>
    public const int MaxVoidLookups = 2;

    /// <summary>RFC 7208 §4.6.4: an <c>mx</c> whose target has more than 10 MX records is a permerror (each would cost an address lookup).</summary>
    public const int MaxMxNames = 10;

    /// <summary>RFC 7208 §4.6.4: of the client's PTR names only the first 10 are validated (<c>ptr</c> and <c>%{p}</c>); the rest are ignored.</summary>
    public const int MaxPtrNames = 10;

    /// <summary>
    /// RFC 7208 §4.6.4: the whole check is bounded in time; the RFC suggests at least 20 seconds. Past it the
    /// result is temperror.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>RFC 7208 §4.8: an expanded domain longer than this loses labels from the left until it fits (RFC 1035's 253-octet text form).</summary>
    public const int MaxDomainLength = 253;

    /// <summary>RFC 1035 §2.3.4: a DNS label is at most 63 octets.</summary>
    public const int MaxLabelLength = 63;
}
