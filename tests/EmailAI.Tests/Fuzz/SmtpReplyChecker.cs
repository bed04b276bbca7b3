using System.Text;
using System.Text.RegularExpressions;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// The wire form every SMTP reply must have: RFC 5321 §4.2 (a 2xx–5xx code, <c>NNN-</c> on every line but the last,
/// <c>NNN </c> on the last), §4.5.3.1.5 (at most 512 octets a line, CRLF included), §2.3.8 (CRLF line ends, no bare
/// CR or LF inside a line) and RFC 2034 §3 (with ENHANCEDSTATUSCODES, an RFC 3463 code of the reply's class on
/// every reply but the greeting, EHLO/HELO's and the 334/354 intermediates).
/// </summary>
public static partial class SmtpReplyChecker
{
    public const int MaxLineOctets = 512;

    /// <summary>The problems of one reply, none when it is well-formed.</summary>
    /// <param name="greeting">True for the 220 greeting (RFC 2034 §3 gives it no enhanced code).</param>
    public static IEnumerable<string> Check(SmtpReply reply, bool greeting, string serverDomain)
    {
        if (reply.Code is < 200 or > 599)
        {
            yield return $"code {reply.Code} is not 2xx–5xx";
        }

        if (reply.Lines.Count == 0)
        {
            yield return "a reply without a line";
            yield break;
        }

        var wire = Encoding.UTF8.GetBytes(reply.ToString());
        var lines = 0;
        var start = 0;
        for (var i = 0; i < wire.Length; i++)
        {
            if (wire[i] == '\r' && (i + 1 >= wire.Length || wire[i + 1] != '\n'))
            {
                yield return $"bare CR in reply {Quote(reply)}";
            }

            if (wire[i] != '\n')
            {
                continue;
            }

            if (i == 0 || wire[i - 1] != '\r')
            {
                yield return $"bare LF in reply {Quote(reply)}";
            }

            var length = i + 1 - start;
            var last = lines == reply.Lines.Count - 1;
            if (length > MaxLineOctets)
            {
                yield return $"a reply line of {length} octets (more than {MaxLineOctets}): {Quote(reply)}";
            }

            var prefix = Encoding.ASCII.GetString(wire, start, Math.Min(4, length));
            var expected = reply.Code.ToString("D3", System.Globalization.CultureInfo.InvariantCulture) + (last ? " " : "-");
            if (prefix != expected)
            {
                yield return $"line {lines + 1} starts '{prefix}', not '{expected}': {Quote(reply)}";
            }

            lines++;
            start = i + 1;
        }

        if (start != wire.Length)
        {
            yield return $"reply does not end in CRLF: {Quote(reply)}";
        }

        if (lines != reply.Lines.Count)
        {
            yield return $"{reply.Lines.Count} text lines became {lines} wire lines: {Quote(reply)}";
        }

        var exempt = (greeting && reply.Code == 220) || reply.Code is 334 or 354
            || (reply.Code == 250 && reply.Lines[0].StartsWith(serverDomain + " Hello ", StringComparison.Ordinal));
        if (exempt)
        {
            yield break;
        }

        if (reply.EnhancedCode is not { } enhanced || !EnhancedCodeSyntax().IsMatch(enhanced))
        {
            yield return $"no RFC 3463 enhanced status code: {Quote(reply)}";
        }
        else if (enhanced[0] - '0' != reply.Code / 100)
        {
            yield return $"enhanced code {enhanced} is not of the class of {reply.Code}";
        }
    }

    private static string Quote(SmtpReply reply) => FuzzText.Literal(Encoding.UTF8.GetBytes(reply.ToString()));

    // RFC 3463 §2: class "." subject "." detail; class 2, 4 or 5; subject and detail 1–3 digits.
    [GeneratedRegex(@"^[245]\.[0-9]{1,3}\.[0-9]{1,3}$")]
    private static partial Regex EnhancedCodeSyntax();
}
