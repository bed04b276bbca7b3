using System.Text;
using System.Text.RegularExpressions;

namespace EmailAI.Tests.Transcripts;

/// <summary>
/// A scripted conversation (SMTP or POP3): the client's bytes in order and the server's expected lines,
/// greeting included. Text form, one entry per line:
/// <list type="bullet">
/// <item><c>C: text</c> — a client line, sent as UTF-8 followed by CRLF (<c>C:</c> alone is an empty line).</item>
/// <item><c>S: pattern</c> — one expected server line (<c>S:</c> alone is an empty line, as in a message).
/// Literal, except the tokens <c>{QID}</c> (an SMTP queue id), <c>{TIMESTAMP}</c> (an APOP timestamp,
/// <c>&lt;...@...&gt;</c>) and <c>{ANY}</c> (anything up to the end of the line).</item>
/// </list>
/// Blank lines are ignored; anything else is an error in the test. Raw bytes (no CRLF, invalid UTF-8) are
/// added with <see cref="ClientRaw(string)"/> or <see cref="ClientRaw(ReadOnlySpan{byte})"/>.
/// The server's output is compared octet for octet: a non-ASCII character in a pattern stands for its UTF-8
/// bytes.
/// </summary>
public sealed class Transcript
{
    private static readonly Regex Token = new(@"\{(QID|TIMESTAMP|ANY)\}", RegexOptions.CultureInvariant);

    private readonly MemoryStream _client = new();
    private readonly List<string> _expected = [];

    public IReadOnlyList<string> ExpectedServerLines => _expected;

    public byte[] ClientBytes => _client.ToArray();

    public static Transcript Parse(string text) => new Transcript().Append(text);

    /// <summary>Appends the entries of a text-form transcript.</summary>
    public Transcript Append(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            if (line == "C:")
            {
                Client("");
            }
            else if (line.StartsWith("C: ", StringComparison.Ordinal))
            {
                Client(line[3..]);
            }
            else if (line == "S:")
            {
                Server("");
            }
            else if (line.StartsWith("S: ", StringComparison.Ordinal))
            {
                Server(line[3..]);
            }
            else
            {
                throw new ArgumentException($"Transcript line is neither 'C: ' nor 'S: ': {line}", nameof(text));
            }
        }

        return this;
    }

    public Transcript Client(string line) => ClientRaw(line + "\r\n");

    public Transcript ClientRaw(string text) => ClientRaw(Encoding.UTF8.GetBytes(text));

    public Transcript ClientRaw(ReadOnlySpan<byte> bytes)
    {
        _client.Write(bytes);
        return this;
    }

    public Transcript Server(string pattern)
    {
        _expected.Add(pattern);
        return this;
    }

    /// <summary>Adds the same expected server line <paramref name="count"/> times.</summary>
    public Transcript Server(string pattern, int count)
    {
        for (var i = 0; i < count; i++)
        {
            _expected.Add(pattern);
        }

        return this;
    }

    /// <summary>
    /// Checks the server's complete output: every line ends in CRLF, there is no bare CR or LF, and the lines
    /// match the expected ones one for one.
    /// </summary>
    public void AssertServerOutput(ReadOnlySpan<byte> wire)
    {
        // Latin-1 maps each octet to one char, so the comparison is octet-exact even for 8-bit content.
        var text = Encoding.Latin1.GetString(wire);
        Assert.True(text.Length == 0 || text.EndsWith("\r\n", StringComparison.Ordinal), $"Server output does not end in CRLF:\n{text}");
        var actual = text.Length == 0 ? [] : text[..^2].Split("\r\n");
        foreach (var line in actual)
        {
            Assert.False(line.Contains('\r') || line.Contains('\n'), $"Server output has a bare CR or LF in line: {line}");
        }

        var count = Math.Max(actual.Length, _expected.Count);
        for (var i = 0; i < count; i++)
        {
            var expected = i < _expected.Count ? _expected[i] : null;
            var got = i < actual.Length ? actual[i] : null;
            if (expected is null || got is null || !Matches(expected, got))
            {
                Assert.Fail(Describe(i, actual));
            }
        }
    }

    /// <summary>Whether one server line (octets as Latin-1 chars) matches a pattern.</summary>
    public static bool Matches(string pattern, string line)
    {
        var regex = new StringBuilder("^");
        var last = 0;
        foreach (Match token in Token.Matches(pattern))
        {
            regex.Append(Regex.Escape(AsOctets(pattern[last..token.Index])));
            regex.Append(token.Groups[1].Value switch
            {
                "QID" => "[0-9A-HJKMNP-TV-Z]{16}",
                "TIMESTAMP" => "<[!-;=?-~]+@[!-;=?-~]+>",
                _ => ".*",
            });
            last = token.Index + token.Length;
        }

        regex.Append(Regex.Escape(AsOctets(pattern[last..]))).Append('$');
        return Regex.IsMatch(line, regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    private static string AsOctets(string text) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));

    private string Describe(int mismatch, string[] actual)
    {
        var text = new StringBuilder();
        text.Append("Server output differs at line ").Append(mismatch + 1)
            .Append(" (expected ").Append(_expected.Count).Append(" lines, got ").Append(actual.Length).Append(")\n");
        var from = Math.Max(0, mismatch - 3);
        var to = Math.Min(Math.Max(actual.Length, _expected.Count), mismatch + 4);
        for (var i = from; i < to; i++)
        {
            var marker = i == mismatch ? ">>" : "  ";
            text.Append(marker).Append(" expected: ").Append(i < _expected.Count ? _expected[i] : "(nothing)").Append('\n');
            text.Append(marker).Append(" actual:   ").Append(i < actual.Length ? Shorten(actual[i]) : "(nothing)").Append('\n');
        }

        return text.ToString();
    }

    private static string Shorten(string line) => line.Length <= 300 ? line : $"{line[..300]}... ({line.Length} octets)";
}
