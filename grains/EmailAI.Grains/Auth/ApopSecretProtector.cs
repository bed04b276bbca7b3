using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Grains.Auth;

/// <summary>
/// Encrypts APOP secrets for the account state with AES-256-GCM under the admin's key (<see cref="ApopSecretOptions"/>):
/// <c>aes256gcm:</c> + base64(nonce ‖ tag ‖ ciphertext), the account's address as associated data, so a stored
/// secret copied onto another account does not decrypt. A value without the prefix is one stored in clear by an
/// earlier version: it is still read, and the account grain re-encrypts it once a key is configured.
/// What this protects: the database file, its backups and a read of the grain-state table no longer reveal the
/// secrets. What it does not: an attacker who has the key too (the silo's configuration or memory).
/// Thread-safe; the key is read once, at construction.
/// </summary>
public sealed class ApopSecretProtector
{
    private const string Prefix = "aes256gcm:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[]? _key;
    private readonly ILogger<ApopSecretProtector> _logger;

    public ApopSecretProtector(IOptions<ApopSecretOptions> options, ILogger<ApopSecretProtector> logger)
    {
        _logger = logger;
        var text = options.Value.ApopSecretKey;
        var source = "EmailAI:Pop3:ApopSecretKey";
        if (string.IsNullOrWhiteSpace(text) && !string.IsNullOrWhiteSpace(options.Value.ApopSecretKeyFile))
        {
            source = options.Value.ApopSecretKeyFile;
            text = File.ReadAllText(options.Value.ApopSecretKeyFile);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"The APOP secret key ({source}) is not base64; make one with `openssl rand -base64 32`.");
        }

        if (key.Length != 32)
        {
            throw new InvalidOperationException($"The APOP secret key ({source}) must be 32 bytes once decoded, not {key.Length}; make one with `openssl rand -base64 32`.");
        }

        _key = key;
    }

    /// <summary>True when a key is configured, so secrets can be stored.</summary>
    public bool HasKey => _key is not null;

    /// <summary>True when <paramref name="stored"/> was kept in clear by an earlier version.</summary>
    public static bool IsClear(string stored) => !stored.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The stored form of <paramref name="secret"/> for <paramref name="address"/>; a fresh nonce every call.</summary>
    /// <exception cref="InvalidOperationException">No key is configured.</exception>
    public string Protect(string address, string secret)
    {
        var key = _key ?? throw new InvalidOperationException("No APOP secret key is configured.");
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), Encoding.UTF8.GetBytes(address));
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>
    /// The secret in clear, or null when it cannot be had: encrypted but no key, another key, or tampered with (logged,
    /// and the APOP login simply fails; USER/PASS still works).
    /// </summary>
    public string? Unprotect(string address, string stored)
    {
        if (IsClear(stored))
        {
            return stored;
        }

        if (_key is null)
        {
            _logger.LogWarning("APOP secret of {Address} is encrypted but no EmailAI:Pop3:ApopSecretKey is configured; APOP fails for it", address);
            return null;
        }

        try
        {
            var sealedBytes = Convert.FromBase64String(stored[Prefix.Length..]);
            if (sealedBytes.Length < NonceSize + TagSize)
            {
                throw new CryptographicException("too short");
            }

            var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), plain, Encoding.UTF8.GetBytes(address));
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            _logger.LogWarning("APOP secret of {Address} does not decrypt with the configured key ({Error}); APOP fails for it until its password is set again", address, ex.Message);
            return null;
        }
    }
}
