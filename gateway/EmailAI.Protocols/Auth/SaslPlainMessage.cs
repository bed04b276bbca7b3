using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace EmailAI.Protocols.Auth;

/// <summary>
/// A SASL PLAIN message (RFC 4616 §2): <c>[authzid] NUL authcid NUL passwd</c>, UTF-8. Parsed strictly: exactly
/// two NULs, a non-empty authcid and password, valid UTF-8. <see cref="ToString"/> never shows the password.
/// </summary>
public sealed class SaslPlainMessage
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private SaslPlainMessage(string authorizationId, string user, string password)
    {
        AuthorizationId = authorizationId;
        User = user;
        Password = password;
    }

    /// <summary>The identity to act as (authzid); empty when the client asks for its own.</summary>
    public string AuthorizationId { get; }

    /// <summary>The identity whose password this is (authcid).</summary>
    public string User { get; }

    public string Password { get; }

    /// <summary>
    /// True when the client asks to act as someone other than itself (proxy authorisation, RFC 4616 §2), which
    /// we never grant. An authzid equal to the authcid, ignoring case as account names do, is not a proxy request.
    /// </summary>
    public bool IsProxyAuthorization =>
        AuthorizationId.Length > 0 && !AuthorizationId.Equals(User, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a decoded PLAIN response; false (never an exception) for anything outside RFC 4616's grammar.</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, [NotNullWhen(true)] out SaslPlainMessage? parsed)
    {
        parsed = null;
        var first = message.IndexOf((byte)0);
        if (first < 0)
        {
            return false;
        }

        var rest = message[(first + 1)..];
        var second = rest.IndexOf((byte)0);
        if (second <= 0 || rest[(second + 1)..].IndexOf((byte)0) >= 0 || second + 1 == rest.Length)
        {
            return false;
        }

        try
        {
            parsed = new SaslPlainMessage(
                StrictUtf8.GetString(message[..first]),
                StrictUtf8.GetString(rest[..second]),
                StrictUtf8.GetString(rest[(second + 1)..]));
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>The message's bytes, as a client would send them (for tests and clients).</summary>
    public static byte[] Encode(string authorizationId, string user, string password) =>
        Encoding.UTF8.GetBytes($"{authorizationId}\0{user}\0{password}");

    public override string ToString() => $"PLAIN authzid={AuthorizationId} authcid={User}";
}
