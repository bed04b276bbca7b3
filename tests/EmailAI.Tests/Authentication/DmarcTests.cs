using System.Text;
using EmailAI.Grains.Authentication;
using EmailAI.Grains.Authentication.Spf;
using EmailAI.Tests.Routing;
using static EmailAI.Tests.Authentication.AuthenticationKit;

namespace EmailAI.Tests.Authentication;

/// <summary>DMARC (RFC 7489) over the fake DNS server with a fake SPF checker, through the whole authenticator.</summary>
public sealed class DmarcTests
{
    [Fact]
    public async Task Dmarc_AlignedSpfOnly_Passes()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Pass, "example.com")).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal(("pass", "example.com", "reject", true), (report.Dmarc.Result, report.Dmarc.FromDomain, report.Dmarc.Policy, report.Dmarc.Aligned));
        Assert.True(report.FromAuthenticated);
        Assert.Equal("alice@example.com", report.FromAddress);
        Assert.Equal(AuthenticationDisposition.Accept, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_AlignedDkimOnly_Passes()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject");
        dns.Txt("sel._domainkey.example.com", KeyRecord(RsaKey));
        var message = NewMessage();
        Sign(message, RsaKey, "example.com");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Fail, "bulk-sender.net")).AuthenticateAsync(Bytes(message));

        Assert.Equal("pass", report.Dmarc.Result);
        Assert.True(report.FromAuthenticated);
        Assert.Equal(AuthenticationDisposition.Accept, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_SpfPassForAnUnalignedDomain_Fails()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Pass, "attacker.net")).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal("fail", report.Dmarc.Result);
        Assert.False(report.FromAuthenticated);
        Assert.Equal(AuthenticationDisposition.Reject, report.Disposition);
        Assert.Equal("DMARC policy of example.com is reject: From domain not authenticated", report.Reason);
    }

    [Fact]
    public async Task Dmarc_HeloIdentityPass_DoesNotAlign()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Pass, "example.com", identity: "helo")).AuthenticateAsync(Bytes(NewMessage()), mailFrom: "");

        Assert.Equal("fail", report.Dmarc.Result);
        Assert.Equal(AuthenticationDisposition.Reject, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_FailureUnderPNone_Accepted()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=none; rua=mailto:dmarc@example.com");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Fail, "example.com")).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal(("fail", "none"), (report.Dmarc.Result, report.Dmarc.Policy));
        Assert.Equal(AuthenticationDisposition.Accept, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_FailureUnderQuarantine_AcceptedWithTheResultRecorded()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=quarantine");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.SoftFail, "example.com")).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal(("fail", "quarantine", true), (report.Dmarc.Result, report.Dmarc.Policy, report.Dmarc.PolicyApplied));
        Assert.Equal(AuthenticationDisposition.Accept, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_FailureUnderReject_DmarcRejectOff_Accepted()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Fail, "example.com"), dmarcReject: false).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal(("fail", "reject"), (report.Dmarc.Result, report.Dmarc.Policy));
        Assert.Equal(AuthenticationDisposition.Accept, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_SubdomainUnderOrgRecord_UsesSp()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=none; sp=reject");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None, "")).AuthenticateAsync(Bytes(NewMessage("alice@mail.example.com")), mailFrom: "");

        Assert.Equal(("fail", "mail.example.com", "reject"), (report.Dmarc.Result, report.Dmarc.FromDomain, report.Dmarc.Policy));
        Assert.Equal(AuthenticationDisposition.Reject, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_OrgDomainItself_UsesPNotSp()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=none; sp=reject");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Fail, "example.com")).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal(("fail", "none"), (report.Dmarc.Result, report.Dmarc.Policy));
        Assert.Equal(AuthenticationDisposition.Accept, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_SubdomainWithoutSp_UsesP()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.co.uk", "v=DMARC1; p=quarantine");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Fail, "example.co.uk")).AuthenticateAsync(Bytes(NewMessage("alice@a.b.example.co.uk")));

        Assert.Equal(("fail", "quarantine"), (report.Dmarc.Result, report.Dmarc.Policy));
        Assert.Contains(dns.Queries, q => q.Name.TrimEnd('.') == "_dmarc.a.b.example.co.uk");
        Assert.Contains(dns.Queries, q => q.Name.TrimEnd('.') == "_dmarc.example.co.uk");
    }

    [Fact]
    public async Task Dmarc_SubdomainWithItsOwnRecord_DoesNotFallBack()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.mail.example.com", "v=DMARC1; p=none");
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Fail, "example.com")).AuthenticateAsync(Bytes(NewMessage("alice@mail.example.com")));

        Assert.Equal(("fail", "none"), (report.Dmarc.Result, report.Dmarc.Policy));
        Assert.DoesNotContain(dns.Queries, q => q.Name.TrimEnd('.') == "_dmarc.example.com");
    }

    [Fact]
    public async Task Dmarc_RelaxedAlignment_OrgDomainsMatch()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Pass, "bounces.example.com")).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal("pass", report.Dmarc.Result);
    }

    [Fact]
    public async Task Dmarc_StrictSpfAlignment_SubdomainDoesNotAlign()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject; aspf=s");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Pass, "bounces.example.com")).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal("fail", report.Dmarc.Result);
        Assert.Equal(AuthenticationDisposition.Reject, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_StrictDkimAlignment_ParentSignatureDoesNotAlign()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.mail.example.com", "v=DMARC1; p=reject; adkim=s");
        dns.Txt("sel._domainkey.example.com", KeyRecord(RsaKey));
        var message = NewMessage("alice@mail.example.com");
        Sign(message, RsaKey, "example.com");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.None, "")).AuthenticateAsync(Bytes(message), mailFrom: "");

        Assert.Equal("pass", Assert.Single(report.Dkim).Result);
        Assert.Equal("fail", report.Dmarc.Result);
    }

    [Fact]
    public async Task Dmarc_PublicSuffixSeparatesDomains_NoRelaxedAlignment()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.alice.blogspot.com", "v=DMARC1; p=reject");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Pass, "mallory.blogspot.com")).AuthenticateAsync(Bytes(NewMessage("alice@alice.blogspot.com")));

        Assert.Equal("fail", report.Dmarc.Result);
    }

    [Fact]
    public async Task Dmarc_PctZero_PolicyNeverApplied()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=0");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Fail, "example.com"), random: new FixedRandom(0)).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal(("fail", "reject", false), (report.Dmarc.Result, report.Dmarc.Policy, report.Dmarc.PolicyApplied));
        Assert.Equal(AuthenticationDisposition.Accept, report.Disposition);
    }

    [Theory]
    [InlineData(49, AuthenticationDisposition.Reject)]
    [InlineData(50, AuthenticationDisposition.Accept)]
    public async Task Dmarc_Pct50_SampledByTheRandomSource(int draw, AuthenticationDisposition expected)
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=50");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Fail, "example.com"), random: new FixedRandom(draw)).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal(expected, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_LookupServFail_TemporaryFailure()
    {
        await using var dns = FakeDnsServer.Start();
        dns.ServFail("_dmarc.example.com");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Fail, "example.com")).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal("temperror", report.Dmarc.Result);
        Assert.Equal(AuthenticationDisposition.TemporaryFailure, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_LookupServFailButExactAlignedPass_Accepted()
    {
        await using var dns = FakeDnsServer.Start();
        dns.ServFail("_dmarc.example.com");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Pass, "example.com")).AuthenticateAsync(Bytes(NewMessage()));

        Assert.True(report.FromAuthenticated);
        Assert.Equal(AuthenticationDisposition.Accept, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_LookupServFail_DmarcRejectOff_Accepted()
    {
        await using var dns = FakeDnsServer.Start();
        dns.ServFail("_dmarc.example.com");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Fail, "example.com"), dmarcReject: false).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal(AuthenticationDisposition.Accept, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_AlignedSpfTempErrorUnderReject_TemporaryFailure()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.TempError, "example.com")).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal("temperror", report.Dmarc.Result);
        Assert.Equal(AuthenticationDisposition.TemporaryFailure, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_AlignedDkimKeyServFailUnderReject_TemporaryFailure()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject");
        dns.ServFail("sel._domainkey.example.com");
        var message = NewMessage();
        Sign(message, RsaKey, "example.com");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Fail, "example.com")).AuthenticateAsync(Bytes(message));

        Assert.Equal(AuthenticationDisposition.TemporaryFailure, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_UnalignedTempErrorUnderReject_Rejected()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject");

        var report = await Authenticator(dns, SpfAnswer(SpfResult.TempError, "attacker.net")).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal(AuthenticationDisposition.Reject, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_NoRecord_NoneButAlignedPassAuthenticates()
    {
        await using var dns = FakeDnsServer.Start();

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Pass, "example.com")).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal("none", report.Dmarc.Result);
        Assert.True(report.FromAuthenticated);
        Assert.Equal(AuthenticationDisposition.Accept, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_MultipleRecords_None()
    {
        await using var dns = FakeDnsServer.Start();
        dns.TxtStrings("_dmarc.example.com", Encoding.ASCII.GetBytes("v=DMARC1; p=reject"));
        dns.TxtStrings("_dmarc.example.com", Encoding.ASCII.GetBytes("v=DMARC1; p=none"));

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Fail, "example.com")).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal("none", report.Dmarc.Result);
        Assert.Equal(AuthenticationDisposition.Accept, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_NonDmarcTxtBesideTheRecord_Ignored()
    {
        await using var dns = FakeDnsServer.Start();
        dns.TxtStrings("_dmarc.example.com", Encoding.ASCII.GetBytes("google-site-verification=abc"));
        dns.TxtStrings("_dmarc.example.com", Encoding.ASCII.GetBytes("v=DMARC1; p=reject"));

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Fail, "example.com")).AuthenticateAsync(Bytes(NewMessage()));

        Assert.Equal(AuthenticationDisposition.Reject, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_MultipleFromFields_NoPassButPolicyStillRejects()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.bank.example", "v=DMARC1; p=reject");
        dns.Txt("_dmarc.attacker.net", "v=DMARC1; p=none");
        var content = "From: ceo@bank.example\r\nFrom: me@attacker.net\r\nSubject: hi\r\n\r\nbody\r\n";

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Pass, "attacker.net"), suffixes: TestSuffixes + "example\n").AuthenticateAsync(Encoding.ASCII.GetBytes(content), "me@attacker.net");

        Assert.Null(report.FromAddress);
        Assert.False(report.FromAuthenticated);
        Assert.Equal(AuthenticationDisposition.Reject, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_TwoAddressesInOneFromAllAligned_NotAuthenticated()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject");
        var content = "From: alice@example.com, bob@example.com\r\nSubject: hi\r\n\r\nbody\r\n";

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Pass, "example.com")).AuthenticateAsync(Encoding.ASCII.GetBytes(content));

        Assert.Null(report.FromAddress);
        Assert.Equal("permerror", report.Dmarc.Result);
        Assert.False(report.FromAuthenticated);
        Assert.Equal(AuthenticationDisposition.Accept, report.Disposition);
    }

    [Fact]
    public async Task Dmarc_NoFrom_PermErrorAccepted()
    {
        await using var dns = FakeDnsServer.Start();

        var report = await Authenticator(dns, SpfAnswer(SpfResult.Pass, "example.com")).AuthenticateAsync(Encoding.ASCII.GetBytes("Subject: hi\r\n\r\nbody\r\n"));

        Assert.Null(report.FromAddress);
        Assert.Equal("permerror", report.Dmarc.Result);
        Assert.Equal(AuthenticationDisposition.Accept, report.Disposition);
    }

    [Theory]
    [InlineData("v=DMARC1; p=reject", "reject", null, 100, false, false)]
    [InlineData("v=DMARC1;p=quarantine;sp=none;pct=20;adkim=s;aspf=s", "quarantine", "none", 20, true, true)]
    [InlineData("v=DMARC1; p=bogus; rua=mailto:d@example.com", "none", null, 100, false, false)]
    [InlineData("v=DMARC1; p=reject; pct=150; adkim=x; future=1", "reject", null, 100, false, false)]
    [InlineData("v = DMARC1 ; p = REJECT", "reject", null, 100, false, false)]
    public void DmarcRecord_Parse_ReadsTheTags(string text, string p, string? sp, int pct, bool adkim, bool aspf)
    {
        var record = EmailAI.Grains.Authentication.Dmarc.DmarcRecord.Parse(text);

        Assert.Equal(new EmailAI.Grains.Authentication.Dmarc.DmarcRecord(p, sp, pct, adkim, aspf), record);
    }

    [Theory]
    [InlineData("v=DMARC1; p=bogus")]
    [InlineData("v=DMARC1")]
    [InlineData("p=reject; v=DMARC1")]
    [InlineData("v=DMARC2; p=reject")]
    [InlineData("v=spf1 -all")]
    public void DmarcRecord_Parse_NoProcessing(string text)
    {
        Assert.Null(EmailAI.Grains.Authentication.Dmarc.DmarcRecord.Parse(text));
    }
}
