using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace EmailAI.Protocols.Auth;

/// <summary>
/// SCRAM's client-first-message (RFC 5802 §7): <c>gs2-header client-first-message-bare</c>, parsed as far as a
/// server without channel binding accepts it: the gs2 flag <c>n</c> or <c>y</c> (never <c>p=</c>, since no
/// -PLUS mechanism is offered), an optional <c>a=</c>, no <c>m=</c> extension, then <c>n=</c> (with
/// <c>=2C</c>/<c>=3D</c> decoded) and <c>r=</c>. Errors are RFC 5802 §7 server-error names, for the log.
/// </summary>
public sealed record ScramClientFirstMessage(string Gs2Header, string? AuthorizationId, string User, string Nonce, string Bare)
{
    /// <summary>Parses the message; false with an RFC 5802 error name, never an exception.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out ScramClientFirstMessage? message, out string error)
    {
        message = null;
        error = "invalid-encoding";
        var flagEnd = text.IndexOf(',');
        if (flagEnd < 0)
        {
            return false;
        }

        var flag = text[..flagEnd];
        if (flag.StartsWith("p=", StringComparison.Ordinal))
        {
            error = "channel-binding-not-supported";
            return false;
        }

        if (flag is not ("n" or "y"))
        {
            return false;
        }

        var authzEnd = text.IndexOf(',', flagEnd + 1);
        if (authzEnd < 0)
        {
            return false;
        }

        string? authorizationId = null;
        var authz = text[(flagEnd + 1)..authzEnd];
        if (authz.Length > 0)
        {
            if (!authz.StartsWith("a=", StringComparison.Ordinal) || !TryDecodeName(authz[2..], out authorizationId))
            {
                error = "invalid-username-encoding";
                return false;
            }
        }

        var bare = text[(authzEnd + 1)..];
        var attributes = bare.Split(',');
        if (attributes[0].StartsWith("m=", StringComparison.Ordinal))
        {
            error = "extensions-not-supported";
            return false;
        }

        if (attributes.Length < 2 || !attributes[0].StartsWith("n=", StringComparison.Ordinal) || !attributes[1].StartsWith("r=", StringComparison.Ordinal))
        {
            return false;
        }

        if (!TryDecodeName(attributes[0][2..], out var user))
        {
            error = "invalid-username-encoding";
            return false;
        }

        var nonce = attributes[1][2..];
        if (nonce.Length == 0 || !nonce.All(IsNonceChar) || !attributes.Skip(2).All(IsExtension))
        {
            return false;
        }

        message = new ScramClientFirstMessage(text[..(authzEnd + 1)], authorizationId, user, nonce, bare);
        error = "";
        return true;
    }

    /// <summary>RFC 5802 §5.1 saslname: "=2C" is ',', "=3D" is '='; any other '=' and an empty name are invalid.</summary>
    public static bool TryDecodeName(string encoded, [NotNullWhen(true)] out string? name)
    {
        name = null;
        if (encoded.Length == 0 || encoded.Contains('\0'))
        {
            return false;
        }

        var builder = new StringBuilder(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] != '=')
            {
                builder.Append(encoded[i]);
                continue;
            }

            var escape = encoded.AsSpan(i + 1, Math.Min(2, encoded.Length - i - 1));
            if (escape.SequenceEqual("2C"))
            {
                builder.Append(',');
            }
            else if (escape.SequenceEqual("3D"))
            {
                builder.Append('=');
            }
            else
            {
                return false;
            }

            i += 2;
        }

        name = builder.ToString();
        return true;
    }

    /// <summary>The saslname form of a user name (for clients and tests): ',' as "=2C" and '=' as "=3D".</summary>
    public static string EncodeName(string name) =>
        name.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);

    /// <summary>RFC 5802 §7 printable, except ',': what a nonce is made of.</summary>
    public static bool IsNonceChar(char c) => c is >= '!' and <= '~' and not ',';

    // An optional extension: a letter, '=', and any value (RFC 5802 §7 extensions).
    private static bool IsExtension(string attribute) =>
        attribute.Length >= 2 && char.IsAsciiLetter(attribute[0]) && attribute[1] == '=';
}
