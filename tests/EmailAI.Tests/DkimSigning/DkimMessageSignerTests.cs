using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using EmailAI.Grains.DkimSigning;

namespace EmailAI.Tests.DkimSigning;

/// <summary>
/// The signer against MimeKit's verifier: the output is exactly one folded DKIM-Signature field followed by the
/// input, octet for octet, and it verifies — for unusual spacing, folding, duplicate fields, 8-bit and empty
/// bodies, multipart and long lines, RSA and Ed25519.
/// </summary>
public sealed class DkimMessageSignerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    internal static readonly Lazy<DkimSigningKey> Rsa = new(() => DkimSigningKey.GenerateRsa("example.com", "emailai1", 2048));

    internal static readonly Lazy<DkimSigningKey> Ed25519 = new(() => DkimSigningKey.GenerateEd25519("example.com", "ed1"));

    private const string UnusualSpacing =
        "Received: from client (client [192.0.2.1])\r\n\tby mx.example.com with ESMTP id 1\r\n" +
        "From:  Alice \t <alice@example.com>   \r\n" +
        "To: bob@remote.example\r\n" +
        "to :carol@remote.example,\r\n   \t dave@remote.example\r\n" +
        "Subject:no-space\r\n" +
        "Cc:\r\n folded@remote.example  \r\n" +
        "Date: Thu, 3 Dec 2026 12:00:00 +0000\r\n" +
        "Message-ID:    <id-1@example.com>\r\n" +
        "MIME-VERSION: 1.0\r\n" +
        "Content-Type: text/plain;\r\n\tcharset=utf-8\r\n" +
        "Content-Transfer-Encoding: 8bit\r\n" +
        "List-Unsubscribe: <mailto:u@example.com>\r\n" +
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" +
        "X-Trailing: value \t \r\n" +
        "\r\n";

    public static TheoryData<string, string> Messages => new()
    {
        { "unusual spacing, 8-bit body", UnusualSpacing + "Grüße  aus\tKöln  \r\n \r\n\t\r\n\r\n" },
        { "empty body", UnusualSpacing },
        { "no body and no separator", "From: a@example.com\r\nSubject: x\r\n" },
        { "body of empty lines only", UnusualSpacing + "\r\n\r\n\r\n" },
        { "long lines", UnusualSpacing + new string('x', 998) + "\r\n" + string.Concat(Enumerable.Repeat("word \t", 150)) + "\r\n" },
        { "leading whitespace and dots", UnusualSpacing + "  indented\r\n.dot\r\n..two\r\n" },
        {
            "multipart",
            "From: Alice <alice@example.com>\r\nTo: bob@remote.example\r\nSubject: parts\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: 8bit\r\n\r\nKöln  \r\n--b1\r\nContent-Type: application/octet-stream\r\n" +
            "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n--b1--\r\nepilogue\r\n"
        },
        { "no From at all", "To: bob@remote.example\r\nSubject: x\r\n\r\nbody\r\n" },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task Sign_Rsa_OneFieldPrependedAndMimeKitVerifies(string shape, string text)
    {
        await AssertSignedAndVerifiedAsync(Rsa.Value, Encoding.UTF8.GetBytes(text), shape);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task Sign_Ed25519_OneFieldPrependedAndMimeKitVerifies(string shape, string text)
    {
        await AssertSignedAndVerifiedAsync(Ed25519.Value, Encoding.UTF8.GetBytes(text), shape);
    }

    [Fact]
    public void Sign_SignedFields_EachOccurrenceAndFromOnceMore()
    {
        var field = Field(DkimMessageSigner.Sign(Encoding.UTF8.GetBytes(UnusualSpacing + "x\r\n"), Rsa.Value, Now));
        var tags = Tags(field);
        Assert.Equal("From:From:To:To:Cc:Subject:Date:Message-ID:MIME-Version:Content-Type:List-Unsubscribe:List-Unsubscribe-Post", tags["h"]);
        Assert.Equal("relaxed/relaxed", tags["c"]);
        Assert.Equal("rsa-sha256", tags["a"]);
        Assert.Equal("example.com", tags["d"]);
        Assert.Equal("emailai1", tags["s"]);
        Assert.Equal(Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), tags["t"]);
        Assert.False(tags.ContainsKey("l"));
    }

    [Fact]
    public async Task Verify_BodyChangedAfterSigning_Fails()
    {
        var signed = Encoding.UTF8.GetString(DkimMessageSigner.Sign(Encoding.UTF8.GetBytes(UnusualSpacing + "pay 10\r\n"), Rsa.Value, Now));
        var locator = Locator(Rsa.Value);
        Assert.True(await locator.VerifyAsync(Encoding.UTF8.GetBytes(signed)));
        Assert.False(await locator.VerifyAsync(Encoding.UTF8.GetBytes(signed.Replace("pay 10", "pay 99", StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Verify_FromAddedAfterSigning_Fails(bool above)
    {
        // The over-signed From: a second From, wherever it is added, is what a verifier then signs in place of the null string.
        var signed = Encoding.UTF8.GetString(DkimMessageSigner.Sign(Encoding.UTF8.GetBytes(UnusualSpacing + "x\r\n"), Rsa.Value, Now));
        var at = above ? signed.IndexOf("Received:", StringComparison.Ordinal) : signed.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 2;
        var forged = signed.Insert(at, "From: mallory@evil.example\r\n");
        Assert.False(await Locator(Rsa.Value).VerifyAsync(Encoding.UTF8.GetBytes(forged)));
    }

    [Fact]
    public void Sign_AlreadySignedByThisKey_ReturnedUnchanged()
    {
        var once = DkimMessageSigner.Sign(Encoding.UTF8.GetBytes(UnusualSpacing + "x\r\n"), Rsa.Value, Now);
        Assert.Same(once, DkimMessageSigner.Sign(once, Rsa.Value, Now.AddMinutes(1)));
    }

    [Fact]
    public void Sign_SignedByAnotherSelector_SignedAgain()
    {
        var once = DkimMessageSigner.Sign(Encoding.UTF8.GetBytes(UnusualSpacing + "x\r\n"), Rsa.Value, Now);
        var twice = DkimMessageSigner.Sign(once, Ed25519.Value, Now);
        Assert.Equal(2, Regex.Matches(Encoding.UTF8.GetString(twice), "^DKIM-Signature:", RegexOptions.Multiline).Count);
    }

    [Theory]
    [InlineData("no colon here\r\nFrom: a@example.com\r\n\r\nx\r\n")]
    [InlineData(" continuation first\r\nFrom: a@example.com\r\n\r\nx\r\n")]
    [InlineData("Bad Name: x\r\nFrom: a@example.com\r\n\r\nx\r\n")]
    public void Sign_HeaderReceiversWouldReadDifferently_Throws(string text)
    {
        Assert.Throws<FormatException>(() => DkimMessageSigner.Sign(Encoding.ASCII.GetBytes(text), Rsa.Value, Now));
    }

    [Fact]
    public async Task Sign_RandomHeaderAndBodyShapes_ExactlyFieldPlusInputAndVerifies()
    {
        var locator = Locator(Rsa.Value).Publish(DkimKeys.DnsName(Ed25519.Value.Selector, "example.com"), Ed25519.Value.DnsRecord);
        var wsp = Pick("", " ", "\t", "  ", " \t ");
        var word = Gen.String[Gen.Char["abcXYZ019<>@.,;=\"()-_éü"], 1, 12];
        var value = Gen.Select(word.Array[1, 6], wsp.Array[6], Gen.Bool, (words, spaces, fold) =>
            string.Concat(words.Select((w, i) => (i > 0 && fold && i % 2 == 0 ? "\r\n" + (spaces[i] == "" ? "\t" : spaces[i]) : spaces[i] == "" && i > 0 ? " " : spaces[i]) + w)));
        var name = Pick("From", "from", "To", "TO", "Cc", "Subject", "Date", "Message-ID", "Content-Type", "References", "X-Other", "Received", "List-Unsubscribe");
        var field = Gen.Select(name, wsp, wsp, value, wsp, (n, beforeColon, afterColon, v, trailing) => $"{n}{(beforeColon == "" ? "" : " ")}:{afterColon}{v}{trailing}\r\n");
        var line = Gen.Select(word.Array[0, 8], wsp.Array[9], (words, spaces) => string.Concat(words.Select((w, i) => spaces[i] + w)) + spaces[^1]);
        var body = Gen.Select(line.Array[0, 12], Gen.Int[0, 3], Gen.Bool, (lines, emptyAtEnd, longLine) =>
            string.Concat(lines.Select(l => l + "\r\n")) + (longLine ? new string('y', 990) + "\r\n" : "") + string.Concat(Enumerable.Repeat("\r\n", emptyAtEnd)));
        var message = Gen.Select(field.Array[1, 10], body, Gen.Bool, (fields, b, ed) => (Text: string.Concat(fields) + "\r\n" + b, Ed: ed));

        await message.SampleAsync(async sample =>
        {
            var key = sample.Ed ? Ed25519.Value : Rsa.Value;
            var input = Encoding.UTF8.GetBytes(sample.Text);
            var output = DkimMessageSigner.Sign(input, key, Now);
            var field = Field(output);
            Assert.Equal(input, output[Encoding.ASCII.GetByteCount(field)..]);
            Assert.True(await locator.VerifyAsync(output), sample.Text);
        }, iter: 300);
    }

    private static Gen<T> Pick<T>(params T[] items) => Gen.Int[0, items.Length - 1].Select(i => items[i]);

    /// <summary>
    /// The proof delivery asks for before it signs a re-encoded copy again: only the very field we made over exactly
    /// these octets, at the time its t= says, with this key, counts as ours — a copy of it on other content, a
    /// field naming our d= and s= with another b=, or another key's field does not.
    /// </summary>
    [Theory]
    [InlineData("rsa")]
    [InlineData("ed25519")]
    public void IsOwnSignature_OnlyOurFieldOverTheSameOctets(string algorithm)
    {
        var key = algorithm == "rsa" ? Rsa.Value : Ed25519.Value;
        var other = algorithm == "rsa" ? DkimSigningKey.GenerateRsa("example.com", key.Selector, 2048) : DkimSigningKey.GenerateEd25519("example.com", key.Selector);
        var message = Encoding.UTF8.GetBytes(UnusualSpacing + "Grüße\r\n");
        var field = DkimMessageSigner.CreateField(message, key, Now)!;
        var t = Now.ToUnixTimeSeconds();

        Assert.True(DkimMessageSigner.IsOwnSignature(field, message, key, t));
        Assert.False(DkimMessageSigner.IsOwnSignature(field, Encoding.UTF8.GetBytes(UnusualSpacing + "Grüsse\r\n"), key, t));
        Assert.False(DkimMessageSigner.IsOwnSignature(field, message, key, t + 1));
        Assert.False(DkimMessageSigner.IsOwnSignature(field, message, other, t));
        var text = Encoding.ASCII.GetString(field);
        var value = Regex.Match(text, @"[ \t]b=\s*");
        var b = value.Index + value.Length;
        var tampered = text[..b] + (text[b] == 'A' ? 'B' : 'A') + text[(b + 1)..];
        Assert.False(DkimMessageSigner.IsOwnSignature(Encoding.ASCII.GetBytes(tampered), message, key, t));
    }

    internal static DkimTestLocator Locator(DkimSigningKey key) =>
        new DkimTestLocator().Publish(DkimKeys.DnsName(key.Selector, key.Domain), key.DnsRecord);

    /// <summary>The signature field at the top of <paramref name="signed"/>, with its CRLF.</summary>
    internal static string Field(byte[] signed)
    {
        var text = Encoding.Latin1.GetString(signed);
        Assert.StartsWith("DKIM-Signature: v=1; ", text);
        var end = text.IndexOf("\r\n", StringComparison.Ordinal);
        while (text[end + 2] is '\t' or ' ')
        {
            end = text.IndexOf("\r\n", end + 2, StringComparison.Ordinal);
        }

        return text[..(end + 2)];
    }

    internal static Dictionary<string, string> Tags(string field) =>
        Regex.Replace(field[(field.IndexOf(':') + 1)..], @"\s+", "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(t => t[..t.IndexOf('=')], t => t[(t.IndexOf('=') + 1)..]);

    private static async Task AssertSignedAndVerifiedAsync(DkimSigningKey key, byte[] input, string shape)
    {
        var output = DkimMessageSigner.Sign(input, key, Now);
        var field = Field(output);
        Assert.Equal(input, output[Encoding.ASCII.GetByteCount(field)..]);
        Assert.All(field.Split("\r\n")[..^1], l => Assert.True(l.Length <= DkimMessageSigner.MaxLineLength, $"{shape}: {l.Length}-character line '{l}'"));
        Assert.True(await Locator(key).VerifyAsync(output), shape);
    }
}
