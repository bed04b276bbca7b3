using EmailAI.Protocols.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Admin;

/// <summary>
/// The admin API's bearer token: <c>EmailAI:Admin:Token</c> when set; otherwise the token saved in
/// <c>{DataDirectory}/admin-token</c>, generated (256 random bits) and saved with owner-only permissions
/// on first start. Comparison is constant-time.
/// </summary>
public sealed class AdminToken
{
    public const string FileName = "admin-token";

    private readonly byte[] _expected;

    public AdminToken(IOptions<EmailAIOptions> options, ILogger<AdminToken> logger)
    {
        var configured = options.Value.Admin.Token;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            Value = configured.Trim();
        }
        else
        {
            var path = Path.Combine(options.Value.DataDirectory, FileName);
            PrivateFiles.CreateDirectory(options.Value.DataDirectory);
            if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } saved)
            {
                Value = saved;
            }
            else
            {
                Value = Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
                // Created 0600 from the start: the token is never readable by others, even for a moment.
                PrivateFiles.WriteAllText(path, Value + "\n");
            }

            logger.LogWarning("Admin API token (saved in {Path}): {Token}", Path.GetFullPath(path), Value);
        }

        _expected = Encoding.UTF8.GetBytes(Value);
    }

    public string Value { get; }

    /// <summary>True when the Authorization header is exactly "Bearer &lt;token&gt;".</summary>
    public bool IsValid(string? authorizationHeader)
    {
        const string scheme = "Bearer ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = Encoding.UTF8.GetBytes(authorizationHeader[scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(presented, _expected);
    }

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
