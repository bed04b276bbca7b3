using System.Text;
using EmailAI.Contracts;
using EmailAI.Grains.Delivery;
using EmailAI.Protocols.Smtp;
using MimeKit;

namespace EmailAI.Tests.Outbound;

/// <summary>
/// <see cref="DsnBuilder"/> returns at most <see cref="DeliveryOptions.MaxDsnHeaderBytes"/> of the original header
/// block, cut between fields, says so to the reader, and never returns the body: the backscatter finding had a 498 KB
/// DSN carry an attacker's 497 KB header block to a forged sender.
/// </summary>
public sealed class DsnHeaderLimitTests
{
    private const int Limit = 64 * 1024;
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Build_497KbHeaderBlock_DsnUnder70KbWithWholeFieldsAndANote()
    {
        var original = Message(HeaderLines(497 * 1024), "THE BODY MUST NOT BE RETURNED\r\n");

        var dsn = Build(original, Limit);

        Assert.True(dsn.Length < 70_000, $"DSN of {dsn.Length} octets");
        var returned = ReturnedHeaders(dsn);
        Assert.InRange(returned.Length, Limit - 200, Limit);
        Assert.EndsWith("\r\n", returned, StringComparison.Ordinal);
        Assert.StartsWith(returned, Encoding.ASCII.GetString(original), StringComparison.Ordinal);
        Assert.StartsWith("X-Filler-", Encoding.ASCII.GetString(original)[returned.Length..], StringComparison.Ordinal);
        Assert.Contains("headers truncated", HumanPart(dsn), StringComparison.Ordinal);
        Assert.DoesNotContain("THE BODY MUST NOT BE RETURNED", Encoding.ASCII.GetString(dsn), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_HeaderBlockOfExactlyTheLimit_ReturnedWholeWithoutNote()
    {
        var headers = HeaderLines(Limit);
        Assert.Equal(Limit, headers.Length);

        var dsn = Build(Message(headers, "body\r\n"), Limit);

        Assert.Equal(headers, ReturnedHeaders(dsn));
        Assert.DoesNotContain("truncated", HumanPart(dsn), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_HeaderBlockOneOctetOverTheLimit_LastFieldLeftOut()
    {
        var headers = HeaderLines(Limit);
        var longer = headers[..^2] + "x\r\n";

        var returned = ReturnedHeaders(Build(Message(longer, "body\r\n"), Limit));

        Assert.Equal(headers[..headers[..^2].LastIndexOf("\r\n", StringComparison.Ordinal)] + "\r\n", returned);
    }

    [Fact]
    public void HeaderExcerpt_FoldedFieldAcrossTheLimit_LeftOutWithAllItsContinuationLines()
    {
        var block = Encoding.ASCII.GetBytes("A: 1\r\nB: 2\r\n\tcontinued\r\n\tand more\r\nC: 3\r\n");

        // The limit falls inside B's first continuation line.
        var excerpt = DsnBuilder.HeaderExcerpt(block, 16);

        Assert.Equal("A: 1\r\n", Encoding.ASCII.GetString(excerpt));
    }

    [Fact]
    public void HeaderExcerpt_LimitAtTheEndOfAFoldedField_KeepsItWhole()
    {
        var block = Encoding.ASCII.GetBytes("A: 1\r\nB: 2\r\n\tcontinued\r\nC: 3\r\n");

        var excerpt = DsnBuilder.HeaderExcerpt(block, "A: 1\r\nB: 2\r\n\tcontinued\r\n".Length);

        Assert.Equal("A: 1\r\nB: 2\r\n\tcontinued\r\n", Encoding.ASCII.GetString(excerpt));
    }

    /// <summary>Fields of about 100 octets each, the last one padded so that the block is exactly <paramref name="length"/> octets.</summary>
    private static string HeaderLines(int length)
    {
        var text = new StringBuilder("From: attacker@remote.test\r\nSubject: filler\r\n");
        for (var i = 0; text.Length + 200 < length; i++)
        {
            text.Append("X-Filler-").Append(i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).Append(": ").Append('y', 80).Append("\r\n");
        }

        const string last = "X-Last: ";
        var padding = length - text.Length - last.Length - 2;
        text.Append(last).Append('z', padding).Append("\r\n");
        return text.ToString();
    }

    private static byte[] Message(string headers, string body) => Encoding.ASCII.GetBytes(headers + "\r\n" + body);

    private static byte[] Build(byte[] original, int limit)
    {
        var row = new QueuedRecipient(1, 1, "Q1", "victim@remote.test", "no-such-user@fwd.test", "fwd.test", Now, original.Length, 1, Now, null, false);
        return DsnBuilder.Build("mx.test", row, original, [new DsnRecipient(row.Recipient, new SmtpReply(550, "5.1.1", "unknown"), "internal.test", Now)], delayed: false, Now, Now.AddDays(5), limit);
    }

    /// <summary>The content of the text/rfc822-headers part as sent (MimeKit reads that part as a message, so it is cut out of the raw DSN).</summary>
    private static string ReturnedHeaders(byte[] dsn)
    {
        var boundary = Assert.IsAssignableFrom<Multipart>(MimeMessage.Load(new MemoryStream(dsn)).Body).Boundary;
        var raw = Encoding.UTF8.GetString(dsn);
        var part = raw.IndexOf("Content-Type: text/rfc822-headers", StringComparison.OrdinalIgnoreCase);
        var start = raw.IndexOf("\r\n\r\n", part, StringComparison.Ordinal) + 4;
        var end = raw.IndexOf("\r\n--" + boundary, start, StringComparison.Ordinal);
        return raw[start..end];
    }

    private static string HumanPart(byte[] dsn) => MimeMessage.Load(new MemoryStream(dsn)).BodyParts.OfType<TextPart>().First(p => p.IsPlain).Text;
}
