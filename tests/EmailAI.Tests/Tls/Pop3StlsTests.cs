using EmailAI.Tests.Pop3;
using EmailAI.Tests.Smtp;

namespace EmailAI.Tests.Tls;

/// <summary>
/// STLS (RFC 2595 §4) in the POP3 engine, at every chunk size: listed in CAPA while it can be used, plaintext
/// logins refused in clear from a remote address and allowed after the handshake, the state rules, and commands
/// pipelined behind STLS never executed (CVE-2011-0411).
/// </summary>
public sealed class Pop3StlsTests
{
    private const string Greeting = "+OK pop.example.com POP3 EmailAI ready\r\n";

    private const string CapaPlain = "+OK Capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n";

    [Theory]
    [ChunkSizes]
    public async Task Stls_RemoteClient_LoginRefusedInClearThenAllowedUnderTls(int chunkSize)
    {
        var driver = new Pop3TlsDriver();

        await driver.SendAsync("CAPA\r\nUSER alice\r\nSTLS\r\n", chunkSize);
        driver.Handshake();
        await driver.SendAsync("CAPA\r\nUSER alice\r\nPASS " + FakePop3Backend.AlicePassword + "\r\nSTAT\r\n", chunkSize);

        Assert.Equal(
            Greeting + CapaPlain + "STLS\r\n.\r\n"
            + "-ERR [AUTH] Plaintext authentication is not allowed on this connection\r\n"
            + "+OK Begin TLS negotiation\r\n"
            + CapaPlain + "USER\r\nSASL PLAIN\r\n.\r\n"
            + "+OK send PASS\r\n+OK maildrop locked and ready\r\n+OK 0 0\r\n",
            driver.Wire);
        Assert.True(driver.Session.IsTls);
        Assert.Equal(0, driver.Discarded);
    }

    [Theory]
    [ChunkSizes]
    public async Task Stls_UserPipelinedBehindIt_NeverExecuted(int chunkSize)
    {
        var driver = new Pop3TlsDriver();

        await driver.SendAsync("STLS\r\nUSER x\r\n", chunkSize);

        Assert.Equal(Greeting + "+OK Begin TLS negotiation\r\n", driver.Wire);
        Assert.Equal("USER x\r\n".Length, driver.Discarded);
        driver.Handshake();
        await driver.SendAsync("PASS secret\r\n", chunkSize);
        Assert.EndsWith("+OK Begin TLS negotiation\r\n-ERR USER first\r\n", driver.Wire, StringComparison.Ordinal);
        Assert.Empty(driver.Backend.AuthenticateCalls);
    }

    [Theory]
    [InlineData("STLS\r\n", "-ERR Command not permitted when TLS active\r\n")]
    [InlineData("STLS now\r\n", "-ERR Command not permitted when TLS active\r\n")]
    public async Task Stls_Twice_Refused(string line, string expected)
    {
        var driver = new Pop3TlsDriver();
        await driver.SendAsync("STLS\r\n");
        driver.Handshake();
        var before = driver.Wire.Length;

        await driver.SendAsync(line + "NOOP\r\n");

        Assert.Equal(expected + "-ERR Command not valid in this state\r\n", driver.Wire[before..]);
        Assert.False(driver.Session.TlsRequested);
    }

    [Fact]
    public async Task Stls_AfterUser_RefusedNotInThisState()
    {
        var driver = new Pop3TlsDriver(secure: true);

        await driver.SendAsync("USER alice\r\nSTLS\r\n");

        Assert.EndsWith("+OK send PASS\r\n-ERR Command not valid in this state\r\n", driver.Wire, StringComparison.Ordinal);
        Assert.False(driver.Session.TlsRequested);
    }

    [Fact]
    public async Task Stls_InTransaction_RefusedNotInThisState()
    {
        var driver = new Pop3TlsDriver(secure: true);

        await driver.SendAsync("USER alice\r\nPASS " + FakePop3Backend.AlicePassword + "\r\nSTLS\r\nCAPA\r\n");

        Assert.EndsWith("+OK maildrop locked and ready\r\n-ERR Command not valid in this state\r\n" + CapaPlain + ".\r\n", driver.Wire, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stls_WithArgument_SyntaxError()
    {
        var driver = new Pop3TlsDriver();

        await driver.SendAsync("STLS x\r\n");

        Assert.Equal(Greeting + "-ERR Syntax error\r\n", driver.Wire);
    }

    [Fact]
    public async Task Stls_NotAvailable_RefusedAndNotInCapa()
    {
        var driver = new Pop3TlsDriver(tlsAvailable: false);

        await driver.SendAsync("CAPA\r\nSTLS\r\n");

        Assert.Equal(Greeting + CapaPlain + ".\r\n-ERR TLS not available\r\n", driver.Wire);
    }

    [Fact]
    public async Task Stls_ImplicitTls_NotInCapaLoginAllowed()
    {
        var driver = new Pop3TlsDriver(implicitTls: SmtpTlsDriver.Tls13);

        await driver.SendAsync("CAPA\r\nSTLS\r\nUSER alice\r\n");

        Assert.Equal(Greeting + CapaPlain + "USER\r\nSASL PLAIN\r\n.\r\n-ERR Command not permitted when TLS active\r\n+OK send PASS\r\n", driver.Wire);
    }

    [Fact]
    public void TlsStarted_WithoutStls_Throws()
    {
        var driver = new Pop3TlsDriver();

        Assert.Throws<InvalidOperationException>(driver.Handshake);
    }
}
