using System.Security.Cryptography;
using System.Text;

namespace EmailAI.Protocols.Auth;

/// <summary>
/// The arithmetic of SCRAM-SHA-256 (RFC 5802 §3, RFC 7677). The server keeps only <c>StoredKey</c> and
/// <c>ServerKey</c>, derived once when the password is set; checking a login is a few HMACs, so unlike a
/// password in clear it costs the server no slow hash (the client does the iterations).
/// </summary>
public static class ScramSha256
{
    /// <summary>
    /// Iterations for new keys. The stored keys are as costly to attack offline as PBKDF2-HMAC-SHA256 at this
    /// count, so it matches OWASP's 2023 figure for that function (600,000), the same strength as the PBKDF2-SHA512
    /// hash kept for PLAIN (210,000). RFC 7677 asks for at least 4096.
    /// </summary>
    public const int DefaultIterations = 600_000;

    /// <summary>The fewest iterations a server may ask of a client (RFC 7677 §4).</summary>
    public const int MinimumIterations = 4096;

    public const int SaltBytes = 16;

    /// <summary>StoredKey = H(HMAC(SaltedPassword, "Client Key")) and ServerKey = HMAC(SaltedPassword, "Server Key").</summary>
    public static (byte[] StoredKey, byte[] ServerKey) DeriveKeys(string password, byte[] salt, int iterations)
    {
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Normalize(password)), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        CryptographicOperations.ZeroMemory(salted);
        return (SHA256.HashData(clientKey), serverKey);
    }

    /// <summary>
    /// True when <paramref name="clientProof"/> proves knowledge of the password behind <paramref name="storedKey"/>:
    /// ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage) and H(ClientKey) must equal StoredKey. Constant-time.
    /// </summary>
    public static bool VerifyProof(byte[] storedKey, string authMessage, ReadOnlySpan<byte> clientProof)
    {
        if (clientProof.Length != storedKey.Length)
        {
            return false;
        }

        var signature = HMACSHA256.HashData(storedKey, Encoding.UTF8.GetBytes(authMessage));
        for (var i = 0; i < signature.Length; i++)
        {
            signature[i] ^= clientProof[i];
        }

        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(signature), storedKey);
    }

    /// <summary>ServerSignature = HMAC(ServerKey, AuthMessage), sent in the server's final message (v=).</summary>
    public static byte[] ServerSignature(byte[] serverKey, string authMessage) =>
        HMACSHA256.HashData(serverKey, Encoding.UTF8.GetBytes(authMessage));

    /// <summary>The client's side (RFC 5802 §3), for tests and for the delivery client should it ever log in.</summary>
    public static byte[] ClientProof(string password, byte[] salt, int iterations, string authMessage)
    {
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Normalize(password)), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var signature = HMACSHA256.HashData(SHA256.HashData(clientKey), Encoding.UTF8.GetBytes(authMessage));
        for (var i = 0; i < signature.Length; i++)
        {
            signature[i] ^= clientKey[i];
        }

        return signature;
    }

    /// <summary>
    /// SASLprep (RFC 4013) as far as .NET can: NFKC, and the non-ASCII spaces mapped to a space. A password of
    /// printable ASCII, the usual case, is unchanged, which is what clients send.
    /// </summary>
    public static string Normalize(string password)
    {
        if (password.All(c => c is >= ' ' and <= '~'))
        {
            return password;
        }

        var mapped = string.Concat(password.Select(c => char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.SpaceSeparator ? ' ' : c));
        return mapped.Normalize(NormalizationForm.FormKC);
    }
}
