using System.Text;
using EmailAI.Grains.Delivery;
using EmailAI.Protocols.SmtpClient;
using MimeKit;

namespace EmailAI.Tests.Outbound;

/// <summary>
/// RFC 6152 §3 downgrade for a server without 8BITMIME: 8-bit parts re-encoded (quoted-printable for text,
/// base64 otherwise), the rest kept as it was, and a message with 8-bit header fields refused.
/// </summary>
public sealed class EightBitDowngradeTests
{
    private static readonly byte[] Binary = [0x00, 0xFF, 0x80, 0x0D, 0x0A, 0x41, 0xC3, 0xA9];

    private const string TopHeader =
        "From: User <user@local.test>\r\n" +
        "To: someone@remote.example\r\n" +
        "X-No-Space:value\r\n" +
        "Subject: =?utf-8?q?caf=C3=A9?= and\r\n\t a folded tail\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n" +
        "\r\n";

    private const string SevenBitPart =
        "Content-Type:text/plain;  charset=us-ascii\r\n" +
        "\r\n" +
        "plain  ascii, odd spacing kept\r\n" +
        ".leading dot\r\n";

    private static byte[] Multipart() => [
        .. Encoding.ASCII.GetBytes(TopHeader + "preamble\r\n--b1\r\n" + SevenBitPart + "--b1\r\n"),
        .. Encoding.UTF8.GetBytes("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n--b1\r\n"),
        .. Encoding.ASCII.GetBytes("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"),
        .. Binary,
        .. Encoding.ASCII.GetBytes("\r\n--b1--\r\n"),
    ];

    [Fact]
    public void ToSevenBit_MultipartWithEightBitParts_OnlyThoseReEncodedTheRestKeepsItsBytes()
    {
        var output = EightBitDowngrade.ToSevenBit(Multipart())!;

        Assert.False(SmtpDataEncoding.HasEightBitOctets(output));
        var text = Encoding.ASCII.GetString(output);
        Assert.StartsWith(TopHeader, text);
        Assert.Contains("--b1\r\n" + SevenBitPart + "--b1\r\n", text);
        var parts = Assert.IsType<Multipart>(MimeMessage.Load(new MemoryStream(output)).Body).Cast<MimePart>().ToList();
        Assert.Equal(ContentEncoding.QuotedPrintable, parts[1].ContentTransferEncoding);
        Assert.Equal("Grüße aus Köln", Assert.IsType<TextPart>(parts[1]).Text);
        Assert.Contains("Gr=C3=BC=C3=9Fe aus K=C3=B6ln", text);
        Assert.Equal(ContentEncoding.Base64, parts[2].ContentTransferEncoding);
        using var decoded = new MemoryStream();
        parts[2].Content!.DecodeTo(decoded);
        Assert.Equal(Binary, decoded.ToArray());
    }

    [Fact]
    public void ToSevenBit_PlainEightBitTextWithoutMime_QuotedPrintableWithMimeVersion()
    {
        var original = Encoding.UTF8.GetBytes("From: a@local.test\r\nSubject: plain\r\n\r\nZürich straße\r\n");

        var output = EightBitDowngrade.ToSevenBit(original)!;

        Assert.False(SmtpDataEncoding.HasEightBitOctets(output));
        var text = Encoding.ASCII.GetString(output);
        Assert.StartsWith("From: a@local.test\r\nSubject: plain\r\n", text);
        Assert.Contains("Content-Transfer-Encoding: quoted-printable", text);
        Assert.Contains("MIME-Version: 1.0", text);
        Assert.Contains("Z=C3=BCrich stra=C3=9Fe", text);
    }

    [Fact]
    public void ToSevenBit_EightBitHeaderField_Null()
    {
        var original = Encoding.UTF8.GetBytes("From: a@local.test\r\nSubject: Grüße\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n");

        Assert.Null(EightBitDowngrade.ToSevenBit(original));
    }

    [Fact]
    public void ToSevenBit_EightBitHeaderFieldOfAPart_Null()
    {
        var original = Encoding.UTF8.GetBytes(TopHeader + "--b1\r\nContent-Type: text/plain; name=\"Grüße.txt\"\r\n\r\nascii\r\n--b1--\r\n");

        Assert.Null(EightBitDowngrade.ToSevenBit(original));
    }

    [Fact]
    public void ToSevenBit_SevenBitContent_SameBytes()
    {
        var original = Encoding.ASCII.GetBytes(TopHeader + "--b1\r\n" + SevenBitPart + "--b1--\r\n");

        Assert.Equal(original, EightBitDowngrade.ToSevenBit(original));
    }
}
