using System.Text;
using EmailAI.Protocols.Pop3;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// The wire form every POP3 response must have: RFC 1939 §3 (a status line of <c>+OK</c> or <c>-ERR</c>, or RFC 5034
/// §4's continuation <c>+ </c>; a multi-line response only after <c>+OK</c>, dot-stuffed and ended by a line that is
/// a single dot), RFC 2449 §4 (at most 512 octets a line, CRLF included) and no CR or LF inside a line.
/// </summary>
public static class Pop3ResponseChecker
{
    public const int MaxLineOctets = 512;

    /// <summary>The problems of a response's lines.</summary>
    public static IEnumerable<string> CheckLines(Pop3Response response)
    {
        if (response.Lines.Count == 0)
        {
            yield return "a response without a status line";
            yield break;
        }

        var status = response.StatusLine;
        var positive = status == "+OK" || status.StartsWith("+OK ", StringComparison.Ordinal);
        var negative = status == "-ERR" || status.StartsWith("-ERR ", StringComparison.Ordinal);
        if (!positive && !negative && status != Pop3Responses.SaslContinue)
        {
            yield return $"status line is not +OK, -ERR or '+ ': {Quote(status)}";
        }

        foreach (var line in response.Lines)
        {
            if (line.Contains('\r') || line.Contains('\n'))
            {
                yield return $"CR or LF inside a response line: {Quote(line)}";
            }

            if (Encoding.UTF8.GetByteCount(line) + 2 > MaxLineOctets)
            {
                yield return $"a response line of more than {MaxLineOctets} octets: {Quote(line[..60])}…";
            }
        }

        if (response.Lines.Count > 1 || response.Content is not null)
        {
            if (!positive)
            {
                yield return $"a multi-line response after {Quote(status)}";
            }
        }

        if (response.Lines.Count > 1)
        {
            if (response.Content is not null)
            {
                yield return "a multi-line listing that also carries a message";
            }

            if (response.Lines[^1] != ".")
            {
                yield return $"a multi-line response not ended by '.': last line {Quote(response.Lines[^1])}";
            }

            foreach (var line in response.Lines.Skip(1).SkipLast(1))
            {
                if (line.StartsWith('.') && !line.StartsWith("..", StringComparison.Ordinal))
                {
                    yield return $"a listing line starting with an unstuffed dot: {Quote(line)}";
                }
            }
        }
    }

    /// <summary>
    /// The problems of a RETR/TOP data block as written (after the status line): CRLF line ends (the stored messages
    /// have them), every line that starts with a dot stuffed, the ".CRLF" terminator; and for RETR, that unstuffing
    /// gives back the stored message (with a CRLF added when its last line had none).
    /// </summary>
    public static IEnumerable<string> CheckData(ReadOnlySpan<byte> data, ReadOnlySpan<byte> message, bool whole)
    {
        var problems = new List<string>();
        if (!data.EndsWith(".\r\n"u8) || (data.Length > 3 && !data[..^3].EndsWith("\r\n"u8)))
        {
            problems.Add($"data not ended by CRLF.CRLF: …{FuzzText.Literal(data[Math.Max(0, data.Length - 20)..])}");
            return problems;
        }

        var unstuffed = new List<byte>(data.Length);
        var body = data[..^3];
        var start = 0;
        while (start < body.Length)
        {
            var lf = body[start..].IndexOf((byte)'\n');
            var end = lf < 0 ? body.Length : start + lf + 1;
            var line = body[start..end];
            if (line.Length < 2 || line[^2] != '\r' || line[^1] != '\n' || line[..^2].IndexOfAny((byte)'\r', (byte)'\n') >= 0)
            {
                problems.Add($"a data line without CRLF or with a bare CR/LF: {FuzzText.Literal(line)}");
                return problems;
            }

            if (line[0] == '.')
            {
                if (line.Length < 3 || line[1] != '.')
                {
                    problems.Add($"an unstuffed dot line inside the data: {FuzzText.Literal(line)}");
                    return problems;
                }

                line = line[1..];
            }

            unstuffed.AddRange(line);
            start = end;
        }

        if (whole)
        {
            var expected = message.ToArray().ToList();
            if (expected.Count > 0 && !message.EndsWith("\r\n"u8))
            {
                expected.AddRange("\r\n"u8.ToArray());
            }

            if (!unstuffed.SequenceEqual(expected))
            {
                problems.Add($"RETR data unstuffed is not the stored message: {FuzzText.Literal([.. unstuffed.Take(80)])}");
            }
        }

        return problems;
    }

    private static string Quote(string line) => FuzzText.Literal(Encoding.UTF8.GetBytes(line));
}
