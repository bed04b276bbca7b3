using System.Text;
using CsCheck;
using EmailAI.Grains.Authentication;
using EmailAI.Grains.Authentication.Dkim;
using EmailAI.Grains.Authentication.Dmarc;
using EmailAI.Grains.Authentication.Spf;
using MimeKit.Cryptography;

namespace EmailAI.Tests.Authentication;

/// <summary>The Authentication-Results field (RFC 8601): its syntax whatever the results say, and the removal of forged copies.</summary>
public sealed class AuthenticationResultsFieldTests
{
    private const string Id = "mail.example.net";

    [Fact]
    public void Render_TypicalReport_OneFieldPerRfc8601()
    {
        var report = new AuthenticationReport(
            new SpfOutcome(SpfResult.Pass, "mailfrom", "example.com", "a@example.com", null, "ip4 matched"),
            [new DkimOutcome("pass", "example.com", "sel", "rsa-sha256", null)],
            "none",
            new DmarcOutcome("pass", "example.com", "reject", true, true, "aligned SPF pass"),
            "alice@example.com",
            AuthenticationDisposition.Accept,
            "DMARC pass");

        var field = AuthenticationResultsField.Render(Id, report);

        Assert.Equal(
            "Authentication-Results: mail.example.net;\r\n\tspf=pass (ip4 matched) smtp.mailfrom=example.com;\r\n\tdkim=pass header.d=example.com header.s=sel header.a=rsa-sha256;\r\n\tdmarc=pass (p=reject) header.from=example.com;\r\n\tarc=none\r\n",
            field);
        var parsed = Parse(field);
        Assert.Equal(Id, parsed.AuthenticationServiceIdentifier);
        Assert.Equal(["spf", "dkim", "dmarc", "arc"], parsed.Results.Select(r => r.Method));
        Assert.Equal("example.com", parsed.Results[1].Properties.Single(p => p.Property == "d").Value);
    }

    [Fact]
    public void Render_HeloIdentityAndNoSignature_SaysSo()
    {
        var report = new AuthenticationReport(
            new SpfOutcome(SpfResult.Fail, "helo", "mx.example.org", "postmaster@mx.example.org", null, "-all"),
            [],
            "fail",
            new DmarcOutcome("permerror", null, null, false, false, "2 From fields"),
            null,
            AuthenticationDisposition.Accept,
            "");

        var field = AuthenticationResultsField.Render(Id, report);

        Assert.Contains("spf=fail (-all) smtp.helo=mx.example.org;", field, StringComparison.Ordinal);
        Assert.Contains("dkim=none (message not signed);", field, StringComparison.Ordinal);
        Assert.Contains("dmarc=permerror (2 From fields);", field, StringComparison.Ordinal);
        Assert.DoesNotContain("header.from", field, StringComparison.Ordinal);
        Assert.Equal(4, Parse(field).Results.Count);
    }

    [Fact]
    public void Render_HostileText_StaysOneValidField()
    {
        var hostile = "evil.com;\r\nAuthentication-Results: mail.example.net; dmarc=pass (\"x\\";
        var report = new AuthenticationReport(
            new SpfOutcome(SpfResult.Fail, "mailfrom", hostile, hostile, hostile, hostile),
            [new DkimOutcome("fail", hostile, hostile, "rsa-sha256", hostile)],
            "fail",
            new DmarcOutcome("fail", hostile, "reject", false, true, hostile),
            null,
            AuthenticationDisposition.Reject,
            "");

        var field = AuthenticationResultsField.Render(Id, report);

        AssertOneField(field);
        var parsed = Parse(field);
        Assert.Equal(["spf", "dkim", "dmarc", "arc"], parsed.Results.Select(r => r.Method));
        Assert.Equal("fail", parsed.Results[2].Result);
    }

    [Fact]
    public void Render_ArbitraryOutcomes_AlwaysOneFieldMimeKitParses()
    {
        var text = Gen.String[Gen.Char[(char)0, (char)0x3FF], 0, 300];
        var results = Gen.OneOf("pass", "fail", "none", "neutral", "policy", "temperror", "permerror", "", "PASS", "x y");
        var dkim = Gen.Select(results, text, text, text, text, (r, d, s, a, why) => new DkimOutcome(r, d, s, a, why)).Array[0, 4];
        var report = Gen.Select(
            Gen.Enum<SpfResult>(), Gen.OneOf("mailfrom", "helo"), text, text,
            Gen.Select(dkim, results, Gen.Select(results, text.Null(), text.Null(), Gen.Bool, text.Null(), (r, d, p, x, why) => new DmarcOutcome(r, d, p, x, x, why)), (k, arc, dmarc) => (k, arc, dmarc)),
            (spf, identity, domain, reason, rest) => new AuthenticationReport(
                new SpfOutcome(spf, identity, domain, "", null, reason), rest.k, rest.arc, rest.dmarc, null, AuthenticationDisposition.Accept, ""));

        report.Sample(r =>
        {
            var field = AuthenticationResultsField.Render(Id, r);
            AssertOneField(field);
            var parsed = Parse(field);
            Assert.Equal(Id, parsed.AuthenticationServiceIdentifier);
            Assert.Equal(2 + Math.Max(1, r.Dkim.Count) + 1, parsed.Results.Count);
        });
    }

    [Fact]
    public void RemoveOurs_ForgedFieldsWithOurId_Removed()
    {
        var content = Encoding.UTF8.GetBytes(
            "Authentication-Results: mail.example.net; dmarc=pass\r\n"
            + "Authentication-Results: (forged)\r\n MAIL.Example.NET;\r\n\tspf=pass smtp.mailfrom=bank.example\r\n"
            + "authentication-results :\"mail.example.net\"; dkim=pass\r\n"
            + "Authentication-Results: mx.other.org; spf=fail\r\n"
            + "Authentication-Results: mail.example.net.evil.org; spf=pass\r\n"
            + "From: alice@example.com\r\n\r\n"
            + "Authentication-Results: mail.example.net; in the body\r\n");

        var result = Encoding.UTF8.GetString(AuthenticationResultsField.RemoveOurs(content, Id));

        Assert.Equal(
            "Authentication-Results: mx.other.org; spf=fail\r\n"
            + "Authentication-Results: mail.example.net.evil.org; spf=pass\r\n"
            + "From: alice@example.com\r\n\r\n"
            + "Authentication-Results: mail.example.net; in the body\r\n",
            result);
    }

    [Fact]
    public void RemoveOurs_NoneOfOurs_SameArray()
    {
        var content = Encoding.UTF8.GetBytes("Authentication-Results: mx.other.org; spf=fail\r\nARC-Authentication-Results: i=1; mail.example.net; spf=pass\r\n\r\nbody\r\n");

        Assert.Same(content, AuthenticationResultsField.RemoveOurs(content, Id));
    }

    [Fact]
    public void RemoveOurs_WhatWeRender_IsRemoved()
    {
        var report = new AuthenticationReport(
            new SpfOutcome(SpfResult.None, "mailfrom", "example.com", "", null, "no record"), [], "none",
            new DmarcOutcome("none", "example.com", null, false, false, "no record"), null, AuthenticationDisposition.Accept, "");
        var body = "From: a@example.com\r\n\r\nbody\r\n";
        var content = Encoding.ASCII.GetBytes(AuthenticationResultsField.Render(Id, report) + body);

        Assert.Equal(body, Encoding.ASCII.GetString(AuthenticationResultsField.RemoveOurs(content, Id)));
    }

    private static AuthenticationResults Parse(string field)
    {
        var value = Encoding.ASCII.GetBytes(field[(field.IndexOf(':') + 1)..]);
        Assert.True(AuthenticationResults.TryParse(value, out var parsed), field);
        return parsed;
    }

    /// <summary>One field of printable ASCII: every CRLF is a fold (followed by a tab) but the last; no line over 998 octets.</summary>
    private static void AssertOneField(string field)
    {
        Assert.StartsWith("Authentication-Results: ", field, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", field, StringComparison.Ordinal);
        Assert.All(field, c => Assert.True(c is >= ' ' and <= '~' or '\r' or '\n' or '\t', $"character {(int)c}"));
        var lines = field[..^2].Split("\r\n");
        Assert.All(lines.Skip(1), l => Assert.StartsWith("\t", l, StringComparison.Ordinal));
        Assert.All(lines, l => Assert.True(l.Length < 998));
        Assert.DoesNotContain('\r', string.Concat(lines));
        Assert.DoesNotContain('\n', string.Concat(lines));
    }
}
