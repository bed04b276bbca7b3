using System.Security.Cryptography;
using System.Text;

namespace EmailAI.Grains;

/// <summary>RFC 1939 §7: the digest is lower-case hex MD5 of the greeting's timestamp followed by the shared secret.</summary>
public static class ApopDigest
{
    public static string Compute(string timestamp, string secret) =>
        Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(timestamp + secret))).ToLowerInvariant();

    /// <summary>Constant-time comparison; false without a secret.</summary>
    public static bool Verify(string timestamp, string? secret, string digest)
    {
        if (secret is null)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Compute(timestamp, secret));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(digest.ToLowerInvariant()));
    }
}
