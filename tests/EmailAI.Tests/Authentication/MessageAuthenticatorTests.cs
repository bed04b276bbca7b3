using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CsCheck;
using EmailAI.Grains.Authentication;
using EmailAI.Grains.Authentication.Spf;
using EmailAI.Grains.Dns;
using EmailAI.Tests.Routing;
using Microsoft.Extensions.Time.Testing;
using static EmailAI.Tests.Authentication.AuthenticationKit;

namespace EmailAI.Tests.Authentication;

/// <summary>The composed checks: the deadline, the caller's cancellation, messages that do not parse, and the metrics.</summary>
public sealed class MessageAuthenticatorTests
{
    [Fact]
    public async Task Authenticate_SpfPastTheDeadline_TempErrorAndTemporaryFailure()
    {
        await using var dns = FakeDnsServer.Start();
        dns.Txt("_dmarc.example.com", "v=DMARC1; p=reject");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var spf = new FakeSpfChecker(SpfAnswer(SpfResult.Pass), Timeout.InfiniteTimeSpan);
        var authenticator = Authenticator(new DnsClientLookup(Client(dns)), spf, time: time, timeout: TimeSpan.FromSeconds(30));

        var checking = authenticator.AuthenticateAsync(Bytes(NewMessage()));
        while (Volatile.Read(ref spf.Calls) == 0)
        {
            await Task.Yield();
        }

        time.Advance(TimeSpan.FromSeconds(31));
        var report = await checking.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((SpfResult.TempError, "timed out", "example.com"), (report.Spf.Result, report.Spf.Reason, report.Spf.Domain));
        Assert.Equal(AuthenticationDisposition.TemporaryFailure, report.Disposition);
    }

    [Fact]
    public async Task Authenticate_CallerCancels_Throws()
    {
        var spf = new FakeSpfChecker(SpfAnswer(SpfResult.Pass), Timeout.InfiniteTimeSpan);
        var authenticator = Authenticator(new VoidDns(), spf);
        using var cancel = new CancellationTokenSource();

        var checking = authenticator.AuthenticateAsync(new AuthenticationRequest(IPAddress.Loopback, "h.example", "a@example.com", Bytes(NewMessage())), cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => checking);
    }

    [Fact]
    public async Task Authenticate_PassesTheEnvelopeToSpf()
    {
        var spf = new RecordingSpf();
        var authenticator = Authenticator(new VoidDns(), spf);

        await authenticator.AuthenticateAsync(new AuthenticationRequest(IPAddress.Parse("198.51.100.7"), "mx.example.org", "bounce@example.org", Bytes(NewMessage())));

        Assert.Equal((IPAddress.Parse("198.51.100.7"), "mx.example.org", "bounce@example.org"), spf.Seen);
    }

    [Fact]
    public async Task Authenticate_ArbitraryBytes_NeverThrowsAndNeverRejects()
    {
        var authenticator = Authenticator(new VoidDns(), new FakeSpfChecker(SpfAnswer(SpfResult.Fail)));
        var header = Gen.OneOf("From: a@example.com\r\n", "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=AA==; b=AA==\r\n",
            "ARC-Seal: i=1; cv=none; a=rsa-sha256; d=x.org; s=s; b=AA==\r\n", "From: \"\\\r\n", "From: <@>,,\r\n", "Content-Type: multipart/mixed; boundary=x\r\n", "\r\n", "--x\r\n");
        var content = Gen.Select(header.Array[0, 8], Gen.Byte.Array[0, 64], (h, tail) => Encoding.ASCII.GetBytes(string.Concat(h)).Concat(tail).ToArray());

        await content.SampleAsync(
            async bytes =>
            {
                var report = await authenticator.AuthenticateAsync(bytes);
                Assert.Equal(AuthenticationDisposition.Accept, report.Disposition);
                Assert.NotNull(AuthenticationResultsField.Render("mail.example.net", report));
            },
            iter: 200);
    }

    [Fact]
    public async Task Authenticate_CountsResultsPerMethod()
    {
        var counts = new List<(string Method, string Result)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == AuthenticationMetrics.MeterName && instrument.Name == "emailai.auth.results")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var method = tags.ToArray().Single(t => t.Key == "method").Value as string;
            var result = tags.ToArray().Single(t => t.Key == "result").Value as string;
            if (result == "softfail" || method == "arc")
            {
                lock (counts)
                {
                    counts.Add((method!, result!));
                }
            }
        });
        listener.Start();

        await Authenticator(new VoidDns(), new FakeSpfChecker(SpfAnswer(SpfResult.SoftFail))).AuthenticateAsync(Bytes(NewMessage()));

        lock (counts)
        {
            Assert.Contains(("spf", "softfail"), counts);
            Assert.Contains(("arc", "none"), counts);
        }
    }

    /// <summary>Every name is NXDOMAIN: fast, and DMARC finds no policy.</summary>
    private sealed class VoidDns : IDnsLookup
    {
        public Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(new DnsAnswer<string>(DnsStatus.NameNotFound, []));

        public Task<DnsAnswer<IPAddress>> AddressesAsync(string name, AddressFamily family, CancellationToken cancellationToken = default) => Task.FromResult(new DnsAnswer<IPAddress>(DnsStatus.NameNotFound, []));

        public Task<DnsAnswer<MxHost>> MxAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(new DnsAnswer<MxHost>(DnsStatus.NameNotFound, []));

        public Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken = default) => Task.FromResult(new DnsAnswer<string>(DnsStatus.NameNotFound, []));
    }

    private sealed class RecordingSpf : ISpfChecker
    {
        public (IPAddress, string?, string) Seen { get; private set; }

        public Task<SpfOutcome> CheckAsync(IPAddress client, string? helo, string mailFrom, CancellationToken cancellationToken = default)
        {
            Seen = (client, helo, mailFrom);
            return Task.FromResult(SpfAnswer(SpfResult.None));
        }

        public Task<SpfOutcome> CheckHostAsync(IPAddress client, string domain, string sender, string? helo, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
