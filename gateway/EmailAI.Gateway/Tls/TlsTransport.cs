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
    /// Ends the TLS stream as TLS says (RFC 8446 §6.1): a close_notify alert after the session's last reply, so
    /// the client can tell the end of the session from a cut connection (openssl and other strict clients report
    /// "unexpected eof" otherwise; Postfix sends it too). Called after <see cref="Output"/> is completed, so the
    /// alert follows every reply. The alert is a few dozen octets; a client that stopped reading gets at most
    /// <see cref="CloseNotifyTimeout"/> before the stream is released anyway.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.ShutdownAsync().WaitAsync(CloseNotifyTimeout);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or NotSupportedException or TimeoutException or OperationCanceledException)
        {
            // The client is gone or not reading: there is no one to tell.
        }

        await _stream.DisposeAsync();
    }

    /// <summary>How long the close_notify alert may wait for room on the connection.</summary>
    public static readonly TimeSpan CloseNotifyTimeout = TimeSpan.FromSeconds(1);
}
