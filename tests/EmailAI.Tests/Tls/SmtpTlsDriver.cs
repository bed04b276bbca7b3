using System.Net;
using System.Text;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.Smtp;
using EmailAI.Tests.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Tls;

/// <summary>
/// Drives an <see cref="SmtpSession"/> as the gateway's pump does around STARTTLS: client bytes arrive in reads of
/// a given size, each read is appended (as its own segment) to what the session left unconsumed, and the session
/// is offered all of it while it answers. Once the session asks for TLS (<see cref="SmtpSession.TlsRequested"/>),
/// the pump's rule applies: everything the client sent in clear that the session has not consumed, buffered or
/// still to arrive, is never given to the session (counted in <see cref="Discarded"/>). <see cref="Handshake"/>
/// then plays the handshake's end, and later bytes are the client's commands under TLS.
/// </summary>
public sealed class SmtpTlsDriver
{
    public static readonly TlsSessionInfo Tls13 = new("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256);

    private readonly StartTlsInput _input = new();
    private readonly StringBuilder _wire = new();

    public SmtpTlsDriver(SmtpSessionContext context, Action<SmtpOptions>? configure = null)
    {
        Options = new SmtpOptions { ServerDomain = SmtpTestHarness.ServerDomain };
        configure?.Invoke(Options);
        Time = new FakeTimeProvider(SmtpTestHarness.StartTime);
        Sink = new FakeMessageSink();
        Session = new SmtpSession(Options, context, "tls-1", IPAddress.Parse(SmtpTestHarness.ClientIp), new FakeRecipientPolicy(), Sink, Time);
        _wire.Append(Session.Start().ToString());
    }

    public SmtpOptions Options { get; }

    public FakeTimeProvider Time { get; }

    public FakeMessageSink Sink { get; }

    public SmtpSession Session { get; }

    /// <summary>Clear-text octets sent after STARTTLS that the session was never given.</summary>
    public long Discarded => _input.Discarded;

    /// <summary>Everything the server said, in wire form.</summary>
    public string Wire => _wire.ToString();

    /// <summary>Sends <paramref name="text"/> in reads of <paramref name="chunkSize"/> octets (0: one read).</summary>
    public Task SendAsync(string text, int chunkSize = 0) => SendAsync(Encoding.UTF8.GetBytes(text), chunkSize);

    /// <summary>Sends <paramref name="bytes"/> in reads of <paramref name="chunkSize"/> octets (0: one read).</summary>
    public Task SendAsync(byte[] bytes, int chunkSize = 0) => _input.SendAsync(bytes, chunkSize, () => Session.TlsRequested, async input =>
    {
        var batch = new List<SmtpReply>();
        var position = await Session.ProcessAsync(input, batch, CancellationToken.None);
        batch.ForEach(reply => _wire.Append(reply.ToString()));
        return (position, batch.Count > 0);
    });

    /// <summary>The handshake after 220 succeeded.</summary>
    public void Handshake(TlsSessionInfo? info = null) => Session.TlsStarted(info ?? Tls13);
}
