namespace EmailAI.Protocols.Auth;

/// <summary>
/// The base64 of SASL exchanges in line protocols (RFC 4954 §4, RFC 5034 §4): strict RFC 4648 §4 text, no
/// spaces or line breaks inside (which <see cref="Convert.FromBase64String"/> would skip), so what a client
/// sends decodes one way only. Never throws on client input.
/// </summary>
public static class SaslBase64
{
    /// <summary>What a client sends to cancel an exchange (RFC 4954 §4).</summary>
    public const string Cancel = "*";

    /// <summary>An initial response of zero octets (RFC 4954 §4), distinct from no initial response at all.</summary>
    public const string EmptyInitialResponse = "=";

    /// <summary>
    /// Decodes one client response line (the line's text without CRLF). An empty line is an empty response.
    /// False for anything that is not whole base64.
    /// </summary>
    public static bool TryDecode(string line, out byte[] decoded)
    {
        decoded = [];
        if (line.Length % 4 != 0 || !line.All(IsBase64Char))
        {
            return false;
        }

        var buffer = new byte[line.Length / 4 * 3];
        if (!Convert.TryFromBase64String(line, buffer, out var written))
        {
            return false;
        }

        decoded = buffer.AsSpan(0, written).ToArray();
        return true;
    }

    /// <summary>Decodes an initial response given on the AUTH command line: <c>=</c> is an empty one.</summary>
    public static bool TryDecodeInitial(string argument, out byte[] decoded)
    {
        if (argument == EmptyInitialResponse)
        {
            decoded = [];
            return true;
        }

        // An empty argument would be no initial response, which the caller handles; here it is not base64.
        if (argument.Length == 0)
        {
            decoded = [];
            return false;
        }

        return TryDecode(argument, out decoded);
    }

    /// <summary>A challenge in wire form; an empty challenge is empty text (the line <c>334 </c>).</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes);

    private static bool IsBase64Char(char c) => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=';
}
