using EmailAI.Grains.Authentication.Dkim;
using EmailAI.Grains.Authentication.Dmarc;
using EmailAI.Grains.Authentication.Spf;

namespace EmailAI.Grains.Authentication;

/// <summary>
/// Everything the checks found for one message. <see cref="FromAddress"/> is the RFC5322.From address in
/// normal form when the message has exactly one (else null); <see cref="FromAuthenticated"/> is true when the From:
/// domain is authenticated by DMARC alignment (an aligned SPF or DKIM pass) whatever the domain's published policy:
/// the condition for the white-list mark. <see cref="Disposition"/> and <see cref="Reason"/> tell ingest what to do.
/// <see cref="Arc"/> is the ARC chain's <c>cv</c> result (<c>none</c>, <c>pass</c>, <c>fail</c>).
/// </summary>
public sealed record AuthenticationReport(
    SpfOutcome Spf,
    IReadOnlyList<DkimOutcome> Dkim,
    string Arc,
    DmarcOutcome Dmarc,
    string? FromAddress,
    AuthenticationDisposition Disposition,
    string Reason)
{
    public bool FromAuthenticated => Dmarc.Aligned;
}
