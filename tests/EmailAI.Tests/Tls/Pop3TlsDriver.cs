using System.Buffers;
using System.Net;
using System.Text;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.Pop3;
using EmailAI.Tests.Pop3;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Tls;

/// <summary>
/// Drives a <see cref="Pop3Session"/> as the gateway's POP3 pump does around STLS (see <see cref="SmtpTlsDriver"/>
/// for the rule): one command per call while it answers; after <c>+OK</c> to STLS nothing the client sent in clear
/// reaches the session (counted in <see cref="Discarded"/>) until <see cref="Handshake"/>.
/// The client is not on loopback (192.0.2.10): plaintext logins are refused unless the session is under TLS.
/// </summary>
public sealed class Pop3TlsDriver
{
    private readonly StartTlsInput _input = new();
    private readonly ArrayBufferWriter<byte> _wire = new();

    public Pop3TlsDriver(bool tlsAvailable = true, TlsSessionInfo? implicitTls = null, bool secure = false)
    {
        Backend = new FakePop3Backend();
        Session = new Pop3Session(
            new Pop3Options { ServerDomain = Pop3TestHarness.ServerDomain },
            "pop3-tls-1",
            IPAddress.Parse(Pop3TestHarness.ClientIp),
            secure,
            Backend,
            new FakeTimeProvider(Pop3TestHarness.StartTime),
            tlsAvailable: tlsAvailable,
            implicitTls: implicitTls);
        Write(new Pop3Response(Session.Start()));
    }

    public FakePop3Backend Backend { get; }

    public Pop3Session Session { get; }

    public long Discarded => _input.Discarded;

    public string Wire => Encoding.Latin1.GetString(_wire.WrittenSpan);

    public Task SendAsync(string text, int chunkSize = 0) => _input.SendAsync(Encoding.UTF8.GetBytes(text), chunkSize, () => Session.TlsRequested, async input =>
    {
        var responses = new List<Pop3Response>();
        var position = await Session.ProcessAsync(input, responses, CancellationToken.None);
        responses.ForEach(Write);
        return (position, responses.Count > 0);
    });

    public void Handshake() => Session.TlsStarted(SmtpTlsDriver.Tls13);

    private void Write(Pop3Response response) => response.WriteLinesTo(_wire);
}
