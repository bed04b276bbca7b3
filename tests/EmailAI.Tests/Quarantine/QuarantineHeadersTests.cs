using System.Text;
using CsCheck;
using EmailAI.Grains.Quarantine;

namespace EmailAI.Tests.Quarantine;

/// <summary>What the admin API lists of a held message, read from header fields a sender wrote: decoded, capped, never a throw.</summary>
public sealed class QuarantineHeadersTests
{
    private static EmailAI.Storage.QuarantineMetadata Read(string message, string results = "", bool authenticated = false) =>
        QuarantineHeaders.Read(Encoding.UTF8.GetBytes(message), results, authenticated);

    [Fact]
    public void Read_OrdinaryMessage_FromAddressSubjectAndDateWithItsOffset()
    {
        var metadata = Read(
            "Return-Path: <bob@remote.test>\r\nFrom: \"Bob Sender\" <Bob@Remote.Test>\r\nSubject: Lunch\r\n on Friday\r\n" +
            "Date: Fri, 1 Mar 2030 10:29:00 +0100\r\n\r\nSubject: not this one\r\n",
            "mx.test; spf=pass smtp.mailfrom=remote.test",
            authenticated: true);

        Assert.Equal("\"Bob Sender\" <Bob@Remote.Test>", metadata.From);
        Assert.Equal("Bob@Remote.Test", metadata.FromAddress);
        Assert.Equal("Lunch on Friday", metadata.Subject);
        Assert.Equal(new DateTimeOffset(2030, 3, 1, 10, 29, 0, TimeSpan.FromHours(1)), metadata.Date);
        Assert.Equal(TimeSpan.FromHours(1), metadata.Date!.Value.Offset);
        Assert.Equal("mx.test; spf=pass smtp.mailfrom=remote.test", metadata.AuthenticationResults);
        Assert.True(metadata.FromAuthenticated);
    }

    [Fact]
    public void Read_EncodedWords_Decoded()
    {
        // RFC 2047 §4.1 (B) and §4.2 (Q).
        var metadata = Read("From: =?UTF-8?B?SsO8cmdlbg==?= <j@remote.test>\r\nSubject: =?ISO-8859-1?Q?caf=E9_ol=E9?=\r\n\r\n");

        Assert.Equal("Jürgen <j@remote.test>", metadata.From);
        Assert.Equal("café olé", metadata.Subject);
    }

    [Fact]
    public void Read_FieldsMissingOrGarbage_Null()
    {
        var metadata = Read("From: not an address at all\r\nDate: the day after tomorrow\r\nX-Other: 1\r\n\r\nbody\r\n");

        Assert.Equal("not an address at all", metadata.From);
        Assert.Null(metadata.FromAddress);
        Assert.Null(metadata.Subject);
        Assert.Null(metadata.Date);
        Assert.Equal(EmailAI.Storage.QuarantineMetadata.None, Read(""));
    }

    [Fact]
    public void Read_HugeSubjectAndControlCharacters_CappedAndSpaced()
    {
        var metadata = Read($"Subject: a\u0007b\u001b[31m{new string('x', 5000)}\r\n\r\n");

        Assert.Equal(QuarantineHeaders.MaxTextLength, metadata.Subject!.Length);
        Assert.StartsWith("a b [31mxxx", metadata.Subject, StringComparison.Ordinal);
        Assert.DoesNotContain(metadata.Subject, char.IsControl);
    }

    [Fact]
    public void Read_AddressLongerThanAPath_NoAddress()
    {
        var metadata = Read($"From: <{new string('a', 250)}@remote.test>\r\n\r\n");

        Assert.Null(metadata.FromAddress);
    }

    [Fact]
    public void Read_FromWithSeveralMailboxes_FirstOneIsTheAddress()
    {
        // RFC 5322 §3.6.2: From may list several authors.
        Assert.Equal("ann@remote.test", Read("From: Ann <ann@remote.test>, Ben <ben@remote.test>\r\n\r\n").FromAddress);
    }

    [Fact]
    public void Read_ArbitraryBytes_NeverThrowsAndStaysWithinItsCaps()
    {
        var header = Gen.OneOf(
            Gen.Byte.Array[0, 400],
            Gen.String[Gen.Char["FromSubjectDate: <>@\"=?UTF-8?B?Q?\r\n\t ,;:()\\\u00e9\u0000\u001b"], 0, 200].Select(Encoding.UTF8.GetBytes));
        header.Sample(bytes =>
        {
            var metadata = QuarantineHeaders.Read(bytes, "", false);
            Assert.True(metadata.From is null or { Length: > 0 and <= QuarantineHeaders.MaxTextLength });
            Assert.True(metadata.Subject is null or { Length: > 0 and <= QuarantineHeaders.MaxTextLength });
            Assert.True(metadata.FromAddress is null or { Length: <= QuarantineHeaders.MaxAddressLength });
            Assert.False((metadata.From ?? "").Any(char.IsControl) || (metadata.Subject ?? "").Any(char.IsControl) || (metadata.FromAddress ?? "").Any(char.IsControl));
        });
    }

    [Fact]
    public void Read_FieldsPrefixedWithRandomFields_StillFound()
    {
        Gen.String[Gen.Char["abcXY-"], 1, 10].Array[0, 20].Sample(names =>
        {
            var prefix = string.Concat(names.Select(n => $"{n}: v\r\n"));
            var metadata = Read(prefix + "Subject: found\r\nFrom: a@remote.test\r\n\r\n");
            Assert.Equal("found", metadata.Subject);
            Assert.Equal("a@remote.test", metadata.FromAddress);
        });
    }
}
