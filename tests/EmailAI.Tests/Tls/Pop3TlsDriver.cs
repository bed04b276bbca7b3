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
    private readonly List<ReadOnlyMemory<byte>> _unconsumed = [];
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

    public long Discarded { get; private set; }

    public string Wire => Encoding.Latin1.GetString(_wire.WrittenSpan);

    public async Task SendAsync(string text, int chunkSize = 0)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var size = chunkSize <= 0 ? Math.Max(1, bytes.Length) : chunkSize;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            var chunk = bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset));
            if (Session.TlsRequested)
            {
                Discarded += chunk.Length;
                continue;
            }

            _unconsumed.Add(chunk);
            await PumpAsync();
        }
    }

    public void Handshake() => Session.TlsStarted(SmtpTlsDriver.Tls13);

    private async Task PumpAsync()
    {
        var input = Smtp.TestSequenceSegment.Create(_unconsumed);
        while (true)
        {
            var responses = new List<Pop3Response>();
            var position = await Session.ProcessAsync(input, responses, CancellationToken.None);
            input = input.Slice(position);
            responses.ForEach(Write);
            if (Session.TlsRequested)
            {
                Discarded += input.Length;
                input = ReadOnlySequence<byte>.Empty;
                break;
            }

            if (responses.Count == 0 || input.IsEmpty)
            {
                break;
            }
        }

        var rest = input.ToArray();
        _unconsumed.Clear();
        if (rest.Length > 0)
        {
            _unconsumed.Add(rest);
        }
    }

    private void Write(Pop3Response response) => response.WriteLinesTo(_wire);
}
