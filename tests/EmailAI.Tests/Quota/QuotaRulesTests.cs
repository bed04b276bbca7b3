using System.Net;
using System.Text;
using EmailAI.Contracts;
using EmailAI.Grains.Policy;
using EmailAI.Grains.Quota;
using EmailAI.Storage;
using EmailAI.Storage.Sqlite;
using EmailAI.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Quota;

/// <summary>
/// The RCPT half of quotas and the postmaster rule, in <see cref="RecipientRules"/> as the domain grains apply it:
/// a fake domain answers local parts, the usage comes from a real embedded store.
/// </summary>
public sealed class QuotaRulesTests : IDisposable
{
    private const string Alice = "alice@quota.test";

    private readonly TempDatabase _temp = new();
    private readonly SqliteMessageStore _store;
    private readonly Dictionary<string, RecipientResolution> _answers = new(StringComparer.Ordinal);

    public QuotaRulesTests() => _store = new SqliteMessageStore(_temp.Database);

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(0L, 999L, true)] // nothing stored, one under
    [InlineData(0L, 1000L, true)] // exactly fills it
    [InlineData(0L, 1001L, false)]
    [InlineData(400L, 600L, true)]
    [InlineData(400L, 601L, false)]
    public void Exceeds_DeclaredSize_TripsOnlyPastTheQuota(long used, long size, bool fits)
    {
        Assert.Equal(!fits, MaildropQuota.Exceeds(used, 1000, size));
    }

    [Theory]
    [InlineData(999L, false)]
    [InlineData(1000L, true)]
    [InlineData(1001L, true)]
    public void Exceeds_NoDeclaredSize_TripsWhenFull(long used, bool exceeds)
    {
        Assert.Equal(exceeds, MaildropQuota.Exceeds(used, 1000, null));
    }

    [Fact]
    public void Exceeds_QuotaZero_Unlimited()
    {
        Assert.False(MaildropQuota.Exceeds(long.MaxValue / 2, 0, long.MaxValue / 2));
    }

    [Theory]
    [InlineData(null, null, 0L, 0L)]
    [InlineData(null, null, 5000L, 5000L)]
    [InlineData(3000L, null, 5000L, 3000L)]
    [InlineData(0L, null, 5000L, 0L)] // the account's own 0 (unlimited) wins over the node's default
    [InlineData(null, 7000L, 5000L, 7000L)] // the domain's, as the domain grain resolves it
    public void Effective_AccountElseDomainElseNode(long? account, long? domain, long node, long effective)
    {
        Assert.Equal(effective, Quota(node).Effective(account ?? domain));
    }

    [Fact]
    public async Task Rcpt_UsageAtQuotaNoSize_552()
    {
        var size = await FillAsync(Alice, 1);
        _answers["quota.test/alice"] = Mailbox(Alice, quota: size);

        var verdict = await Rules().DecideAsync(Request("alice", "quota.test"));

        Assert.Equal((552, "5.2.2"), (verdict.Code, verdict.EnhancedCode));
        Assert.Contains(Alice, verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rcpt_UsageOneUnderQuotaNoSize_AcceptedWithQuotaOnTheRoute()
    {
        var size = await FillAsync(Alice, 1);
        _answers["quota.test/alice"] = Mailbox(Alice, quota: size + 1);

        var verdict = await Rules().DecideAsync(Request("alice", "quota.test"));

        Assert.Equal(PolicyOutcome.Accept, verdict.Outcome);
        Assert.Equal(new MaildropRoute(Alice) { QuotaBytes = size + 1 }, verdict.Route);
    }

    [Theory]
    [InlineData(100L, 250)]
    [InlineData(101L, 552)]
    public async Task Rcpt_DeclaredSize_RefusedPastTheQuota(long declared, int code)
    {
        var size = await FillAsync(Alice, 1);
        _answers["quota.test/alice"] = Mailbox(Alice, quota: size + 100);

        var verdict = await Rules().DecideAsync(Request("alice", "quota.test") with { DeclaredSize = declared });

        Assert.Equal(code, verdict.Code);
    }

    [Fact]
    public async Task Rcpt_NoOwnQuota_NodeDefaultApplies()
    {
        var size = await FillAsync(Alice, 1);
        _answers["quota.test/alice"] = Mailbox(Alice, quota: null);

        Assert.Equal(552, (await Rules(nodeDefault: size).DecideAsync(Request("alice", "quota.test"))).Code);
        Assert.Equal(250, (await Rules(nodeDefault: 0).DecideAsync(Request("alice", "quota.test"))).Code);
    }

    [Fact]
    public async Task BarePostmaster_ConfiguredAccount_AcceptedIntoItUnderItsQuota()
    {
        _answers["quota.test/chief"] = Mailbox("chief@quota.test", quota: 0);

        var verdict = await Rules(postmaster: "Chief@Quota.Test").DecideAsync(BarePostmaster());

        Assert.Equal(new PostmasterRoute("chief@quota.test"), verdict.Route);
        var full = await FillAsync("chief@quota.test", 1);
        _answers["quota.test/chief"] = Mailbox("chief@quota.test", quota: full);
        Assert.Equal(552, (await Rules(postmaster: "chief@quota.test").DecideAsync(BarePostmaster())).Code);
    }

    [Fact]
    public async Task BarePostmaster_ConfiguredAccountMissing_550WithWhatToCreate()
    {
        _answers["quota.test/chief"] = RecipientResolution.UnknownUser;

        var verdict = await Rules(postmaster: "chief@quota.test").DecideAsync(BarePostmaster());

        Assert.Equal((550, "5.1.1"), (verdict.Code, verdict.EnhancedCode));
        Assert.Equal(
            "Postmaster mailbox chief@quota.test does not exist; the administrator must create it or set EmailAI:PostmasterAccount",
            verdict.Text);
    }

    [Fact]
    public async Task BarePostmaster_ServerDomainIsLocal_ItsPostmasterAccount()
    {
        _answers["mx.quota.test/postmaster"] = Mailbox("postmaster@mx.quota.test", quota: null);

        var verdict = await Rules().DecideAsync(BarePostmaster());

        Assert.Equal(new PostmasterRoute("postmaster@mx.quota.test"), verdict.Route);
    }

    [Fact]
    public async Task BarePostmaster_ServerDomainForwardsItsMail_ForwardedToo()
    {
        var route = new DeliverySettings(DeliverySettings.Forward, "exchange.internal.test");
        _answers["mx.quota.test/postmaster"] = new RecipientResolution(RecipientKind.Forward, null, route);

        var verdict = await Rules().DecideAsync(BarePostmaster());

        Assert.Equal(new ForwardRoute("postmaster@mx.quota.test", "mx.quota.test"), verdict.Route);
    }

    [Fact]
    public async Task BarePostmaster_ServerDomainLocalWithoutPostmasterAccount_550()
    {
        _answers["mx.quota.test/postmaster"] = new RecipientResolution(RecipientKind.Postmaster);

        var verdict = await Rules().DecideAsync(BarePostmaster());

        Assert.Equal(550, verdict.Code);
        Assert.Contains("postmaster@mx.quota.test does not exist", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DomainPostmaster_ConfiguredPostmasterIsAnAccount_GoesThere()
    {
        _answers["quota.test/postmaster"] = new RecipientResolution(RecipientKind.Postmaster, "abuse@quota.test");
        _answers["quota.test/abuse"] = Mailbox("abuse@quota.test", quota: null);

        var verdict = await Rules().DecideAsync(Request("postmaster", "quota.test"));

        Assert.Equal(new PostmasterRoute("abuse@quota.test"), verdict.Route);
    }

    [Fact]
    public async Task DomainPostmaster_NeitherAccountNorConfigured_ServersPostmasterAccount()
    {
        _answers["quota.test/postmaster"] = new RecipientResolution(RecipientKind.Postmaster);
        _answers["quota.test/chief"] = Mailbox("chief@quota.test", quota: null);

        var verdict = await Rules(postmaster: "chief@quota.test").DecideAsync(Request("postmaster", "quota.test"));

        Assert.Equal(new PostmasterRoute("chief@quota.test"), verdict.Route);
    }

    [Fact]
    public async Task DomainPostmaster_ConfiguredPostmasterHasNoAccount_ServersPostmasterAccount()
    {
        _answers["quota.test/postmaster"] = new RecipientResolution(RecipientKind.Postmaster, "gone@quota.test");
        _answers["quota.test/gone"] = RecipientResolution.UnknownUser;
        _answers["quota.test/chief"] = Mailbox("chief@quota.test", quota: null);

        var verdict = await Rules(postmaster: "chief@quota.test").DecideAsync(Request("postmaster", "quota.test"));

        Assert.Equal(new PostmasterRoute("chief@quota.test"), verdict.Route);
    }

    [Fact]
    public async Task PostmasterAtServerDomainThatIsNotLocal_ServersPostmasterAccount()
    {
        _answers["quota.test/chief"] = Mailbox("chief@quota.test", quota: null);

        var verdict = await Rules(postmaster: "chief@quota.test").DecideAsync(Request("postmaster", "mx.quota.test"));

        Assert.Equal(new PostmasterRoute("chief@quota.test"), verdict.Route);
    }

    private static RecipientResolution Mailbox(string key, long? quota) => new(RecipientKind.Mailbox, key) { QuotaBytes = quota };

    private static RecipientRequest Request(string localPart, string domain) =>
        new(Facts(), "bob@remote.test", localPart, domain, IsBarePostmaster: false);

    private static RecipientRequest BarePostmaster() => new(Facts(), "bob@remote.test", "", "", IsBarePostmaster: true);

    private static SessionFacts Facts() => new(IPAddress.Parse("203.0.113.9"), "client.test", false, null, null, "mx.quota.test");

    private MaildropQuota Quota(long nodeDefault) => new(_store, Options.Create(new QuotaOptions { DefaultBytes = nodeDefault }));

    private RecipientRules Rules(long nodeDefault = 0, string? postmaster = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new RelayPolicyCache(null!, time, NullLogger<RelayPolicyCache>.Instance);
        cache.Publish(new RelayPolicySnapshot(1, new RelaySettings([], false, new IpLocationBlocking([], "blocked", [], [], false))));

        // No directory: every test names the server's postmaster by the setting or by a local server domain.
        var serverPostmaster = new ServerPostmaster(null!, Options.Create(new PostmasterOptions { PostmasterAccount = postmaster }));
        return new RecipientRules(cache, ResolveAsync, Quota(nodeDefault), serverPostmaster);
    }

    private Task<RecipientResolution?> ResolveAsync(string domain, string localPart) =>
        Task.FromResult<RecipientResolution?>(
            _answers.TryGetValue($"{domain}/{localPart}", out var answer)
                ? answer
                : _answers.Keys.Any(k => k.StartsWith(domain + "/", StringComparison.Ordinal)) ? RecipientResolution.UnknownUser : RecipientResolution.NotLocal);

    /// <summary>Stores <paramref name="count"/> messages in the maildrop; returns the octets it holds.</summary>
    private async Task<long> FillAsync(string mailbox, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await _store.DeliverAsync(new StoredMessage("Q", "bob@remote.test", DateTimeOffset.UtcNow, Encoding.ASCII.GetBytes($"Subject: {i}\r\n\r\nfill\r\n")), [mailbox]);
        }

        return (await _store.GetMaildropSummaryAsync(mailbox)).Bytes;
    }
}
