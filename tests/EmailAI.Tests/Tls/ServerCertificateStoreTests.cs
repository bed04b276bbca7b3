using EmailAI.Gateway;
using EmailAI.Gateway.Tls;
using EmailAI.Tests.Pop3;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Tls;

/// <summary>
/// The certificate store against real files and a fake clock: loading, reload once the files are stable, a pair
/// written in two steps never half-read, and every unusable file logged once while the previous one stays.
/// </summary>
public sealed class ServerCertificateStoreTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "emailai-certs-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ListLogger _log = new();

    public ServerCertificateStoreTests() => Directory.CreateDirectory(_folder);

    private string Cert => Path.Combine(_folder, "cert.pem");

    private string Key => Path.Combine(_folder, "key.pem");

    private ServerCertificateStore Store(bool configured = true, string domain = "mx.store.test", string provider = StorageOptions.Sqlite) => new(
        Options.Create(new TlsOptions { CertificatePath = configured ? Cert : null, KeyPath = configured ? Key : null, ReloadInterval = TimeSpan.FromSeconds(2) }),
        Options.Create(new EmailAIOptions { DataDirectory = _folder, ServerDomain = domain, Storage = new StorageOptions { Provider = provider } }),
        _time,
        new ListLoggerOf(_log));

    private IEnumerable<string> Warnings => _log.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message);

    private void Tick() => _time.Advance(TimeSpan.FromSeconds(2));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Start_ConfiguredPair_LoadedWithFingerprintLogged(bool rsa)
    {
        var thumbprint = TestCertificates.Write(Cert, Key, "mx.store.test", rsa);

        using var store = Store();

        Assert.Equal(thumbprint, TestCertificates.Thumbprint(store.Current.Certificate));
        Assert.True(store.Current.Certificate.HasPrivateKey);
        Assert.False(store.Current.SelfSigned);
        Assert.Contains(_log.Entries, e => e.Message.Contains("loaded", StringComparison.Ordinal) && e.Message.Contains(store.Current.Sha256Fingerprint, StringComparison.Ordinal));
        Assert.Empty(Warnings);
    }

    [Fact]
    public void Poll_FilesReplaced_NewCertificateOnceStable()
    {
        TestCertificates.Write(Cert, Key, "old.store.test");
        using var store = Store();
        var old = store.Current;

        var replaced = TestCertificates.Write(Cert, Key, "new.store.test");
        Tick();
        Assert.Same(old, store.Current);
        Tick();

        Assert.Equal(replaced, TestCertificates.Thumbprint(store.Current.Certificate));
        Assert.Empty(Warnings);
    }

    [Fact]
    public void Poll_CertificateWrittenBeforeItsKey_NeverHalfReadNoWarning()
    {
        TestCertificates.Write(Cert, Key, "old.store.test");
        using var store = Store();
        var old = TestCertificates.Thumbprint(store.Current.Certificate);
        using var next = TestCertificates.Create("new.store.test", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), rsa: false, out var keyPem);

        File.WriteAllText(Cert, next.ExportCertificatePem());
        Tick();
        File.WriteAllText(Key, keyPem);
        Tick();
        Assert.Equal(old, TestCertificates.Thumbprint(store.Current.Certificate));
        Tick();

        Assert.Equal(TestCertificates.Thumbprint(next), TestCertificates.Thumbprint(store.Current.Certificate));
        Assert.Empty(Warnings);
    }

    [Fact]
    public void Poll_ExpiredReplacement_OneWarningPreviousKept()
    {
        var good = TestCertificates.Write(Cert, Key, "good.store.test");
        using var store = Store();

        TestCertificates.Write(Cert, Key, "expired.store.test", DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));
        for (var i = 0; i < 10; i++)
        {
            Tick();
        }

        Assert.Equal(good, TestCertificates.Thumbprint(store.Current.Certificate));
        var warning = Assert.Single(Warnings);
        Assert.Contains(Cert, warning, StringComparison.Ordinal);
        Assert.Contains("expired", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Poll_NotYetValidReplacement_OneWarningPreviousKept()
    {
        var good = TestCertificates.Write(Cert, Key, "good.store.test");
        using var store = Store();

        TestCertificates.Write(Cert, Key, "future.store.test", DateTimeOffset.UtcNow.AddDays(2), DateTimeOffset.UtcNow.AddDays(30));
        Tick();
        Tick();
        Tick();

        Assert.Equal(good, TestCertificates.Thumbprint(store.Current.Certificate));
        Assert.Contains("not valid before", Assert.Single(Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Poll_KeyOfAnotherCertificate_OneWarningNamingTheKeyFile()
    {
        var good = TestCertificates.Write(Cert, Key, "good.store.test");
        using var store = Store();
        using var other = TestCertificates.Create("other.store.test", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), rsa: false, out var otherKey);

        File.WriteAllText(Key, otherKey);
        Tick();
        Tick();
        Tick();

        Assert.Equal(good, TestCertificates.Thumbprint(store.Current.Certificate));
        Assert.Contains(Key, Assert.Single(Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Poll_KeyFileRemoved_OneUnreadableWarningPreviousKept()
    {
        var good = TestCertificates.Write(Cert, Key, "good.store.test");
        using var store = Store();

        File.Delete(Key);
        Tick();
        Tick();
        Tick();

        Assert.Equal(good, TestCertificates.Thumbprint(store.Current.Certificate));
        var warning = Assert.Single(Warnings);
        Assert.Contains(Key, warning, StringComparison.Ordinal);
        Assert.Contains("unreadable", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_GarbageCertificate_WarnsAndFallsBackToSelfSigned()
    {
        File.WriteAllText(Cert, "not a certificate");
        File.WriteAllText(Key, "not a key");

        using var store = Store();

        Assert.True(store.Current.SelfSigned);
        Assert.Contains(Cert, Assert.Single(Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_NothingConfigured_SelfSignedGeneratedStoredAndReused()
    {
        string fingerprint;
        using (var store = Store(configured: false))
        {
            fingerprint = store.Current.Sha256Fingerprint;
            Assert.True(store.Current.SelfSigned);
            Assert.True(SelfSignedCertificate.Names(store.Current.Certificate, "mx.store.test"));
            Assert.Contains(_log.Entries, e => e.Message.Contains("generated self-signed certificate", StringComparison.Ordinal) && e.Message.Contains(fingerprint, StringComparison.Ordinal));
        }

        Assert.True(File.Exists(Path.Combine(_folder, "tls", "self-signed.crt")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_folder, "tls", "self-signed.key")));
        }

        using var again = Store(configured: false);
        Assert.Equal(fingerprint, again.Current.Sha256Fingerprint);
        Assert.Contains(_log.Entries, e => e.Message.Contains("using the self-signed certificate", StringComparison.Ordinal));
    }

    [Fact]
    public void Start_ClusterNodeWithoutCertificate_WarnsClientsWillNotTrustIt()
    {
        using (Store(configured: false))
        {
            Assert.Empty(Warnings);
        }

        using var cluster = Store(configured: false, provider: StorageOptions.PostgreSql);

        Assert.True(cluster.Current.SelfSigned);
        Assert.Contains("clients will not trust the self-signed certificate", Assert.Single(Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_ServerDomainChanged_SelfSignedRegenerated()
    {
        using var first = Store(configured: false, domain: "one.store.test");
        using var second = Store(configured: false, domain: "two.store.test");

        Assert.NotEqual(first.Current.Sha256Fingerprint, second.Current.Sha256Fingerprint);
        Assert.True(SelfSignedCertificate.Names(second.Current.Certificate, "two.store.test"));
    }

    [Fact]
    public void Poll_SelfSignedExpired_Regenerated()
    {
        using var store = Store(configured: false);
        var first = store.Current.Sha256Fingerprint;

        _time.Advance(TimeSpan.FromDays(366));
        store.Poll();

        Assert.NotEqual(first, store.Current.Sha256Fingerprint);
        Assert.True(store.Current.Certificate.NotAfter.ToUniversalTime() > _time.GetUtcNow().UtcDateTime);
    }

    [Fact]
    public void Fingerprint_FormattedAsOpenSsl()
    {
        TestCertificates.Write(Cert, Key, "fp.store.test");
        using var store = Store();

        Assert.Matches("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", store.Current.Sha256Fingerprint);
        Assert.Equal(TestCertificates.Thumbprint(store.Current.Certificate), store.Current.Sha256Fingerprint.Replace(":", "", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The typed logger the store asks for, writing to a <see cref="ListLogger"/>.</summary>
    private sealed class ListLoggerOf(ListLogger inner) : ILogger<ServerCertificateStore>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
