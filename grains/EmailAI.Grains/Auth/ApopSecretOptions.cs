namespace EmailAI.Grains.Auth;

/// <summary>
/// The key that encrypts APOP secrets at rest (configuration <c>EmailAI:Pop3:ApopSecretKey</c>, or
/// <c>EmailAI:Pop3:ApopSecretKeyFile</c> naming a file that holds it): 32 random bytes in base64, e.g.
/// <c>openssl rand -base64 32</c>. APOP (RFC 1939 §7) needs each secret back in clear to check a digest, so it
/// cannot be hashed like a password; encrypted, a copy of the database or a backup does not give the secrets away.
/// Read by the silo, which stores and checks them; every silo of a cluster needs the same key.
/// </summary>
public sealed class ApopSecretOptions
{
    public const string Section = "EmailAI:Pop3";

    /// <summary>The key in base64 (32 bytes once decoded).</summary>
    public string? ApopSecretKey { get; set; }

    /// <summary>A file holding the key in base64 (a Kubernetes secret mounted as a file, say); read at start.</summary>
    public string? ApopSecretKeyFile { get; set; }
}
