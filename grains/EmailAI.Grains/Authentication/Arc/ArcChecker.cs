using EmailAI.Grains.Authentication.Dkim;
using MimeKit;
using MimeKit.Cryptography;

namespace EmailAI.Grains.Authentication.Arc;

/// <summary>
/// Validates the ARC chain of one message (RFC 8617 §5.2) with MimeKit's <see cref="ArcVerifier"/> over the
/// message's <see cref="DkimKeyLocator"/>: the chain's <c>cv</c>, <c>none</c> (no ARC sets), <c>pass</c> or
/// <c>fail</c>. Recorded in Authentication-Results; it does not override DMARC here. Never throws but for
/// cancellation by the caller.
/// </summary>
internal static class ArcChecker
{
    /// <summary>
    /// ARC sets we validate; a longer chain is <c>fail</c>. Each set costs a key lookup and a signature check
    /// (RFC 8617 §4.2.1 caps chains at 50 sets and lets validators set a lower limit; real chains have a few).
    /// </summary>
    public const int MaxArcSets = 10;

    public static async Task<string> VerifyAsync(MimeMessage message, DkimKeyLocator locator, CancellationToken cancellationToken)
    {
        var seals = message.Headers.Count(h => h.Id == HeaderId.ArcSeal);
        if (seals == 0 && !message.Headers.Any(h => h.Id is HeaderId.ArcMessageSignature or HeaderId.ArcAuthenticationResults))
        {
            return "none";
        }

        if (seals > MaxArcSets)
        {
            return "fail";
        }

        try
        {
            var verifier = new ArcVerifier(locator) { MinimumRsaKeyLength = DkimKeyLocator.MinimumRsaKeyBits };
            verifier.Disable(DkimSignatureAlgorithm.RsaSha1);
            var result = await verifier.VerifyAsync(message, cancellationToken);
            return result.Chain switch
            {
                ArcSignatureValidationResult.Pass => "pass",
                ArcSignatureValidationResult.None => "none",
                _ => "fail",
            };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            // RFC 8617 §5.2: a chain that cannot be validated is a failed chain.
            return "fail";
        }
    }
}
