using System.IO.Pipelines;
using System.Net.Security;

namespace EmailAI.Gateway.Tls;

/// <summary>
/// The pipes a session reads and writes once its connection is under TLS: plaintext in and out of an
/// <see cref="SslStream"/> over the connection's original transport. Replaces <c>ConnectionContext.Transport</c>
/// (as Kestrel's own HTTPS middleware does), so the pumps' reads, deadlines, flush timeouts and half-close work
/// unchanged. The original transport is completed by the connection handler.
/// </summary>
public sealed class TlsTransport : IDuplexPipe, IAsyncDisposable
{
    private readonly SslStream _stream;

    public TlsTransport(SslStream stream, IDuplexPipe original)
    {
        _stream = stream;
        Original = original;
        // Zero-byte reads: an idle session waits on the socket without holding a read buffer in the pipe or in
        // SslStream (each would be 4-16 KB per connection; 10,000 idle sessions are a normal load for a gateway).
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true, useZeroByteReads: true));
        Output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>The connection's own transport, under the TLS layer.</summary>
    public IDuplexPipe Original { get; }

    /// <summary>
    /// Releases the SslStream. No close_notify is sent: the session's last reply (221, +OK) has been flushed, a
    /// client that stopped reading would make it wait, and RFC 8446 §6.1 lets the TCP close end the stream.
    /// </summary>
    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
