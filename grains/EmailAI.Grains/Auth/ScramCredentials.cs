using System.Security.Cryptography;
using EmailAI.Protocols.Auth;

namespace EmailAI.Grains.Auth;

/// <summary>
/// An account's SCRAM-SHA-256 keys (RFC 5802 §3: StoredKey and ServerKey with their salt and iteration count), kept
/// next to the PBKDF2 hash. Neither key lets anyone log in by itself: a proof needs ClientKey, which only the
/// password gives. Derived when a password is set, or at the first good password login of an older account.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ScramCredentials(
    [property: Id(0)] byte[] Salt,
    [property: Id(1)] int Iterations,
    [property: Id(2)] byte[] StoredKey,
    [property: Id(3)] byte[] ServerKey)
{
    /// <summary>Fresh keys: a new 16-byte salt and <see cref="ScramSha256.DefaultIterations"/>. Slow (PBKDF2).</summary>
    public static ScramCredentials Derive(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(ScramSha256.SaltBytes);
        var (stored, server) = ScramSha256.DeriveKeys(password, salt, ScramSha256.DefaultIterations);
        return new ScramCredentials(salt, ScramSha256.DefaultIterations, stored, server);
    }
}
