using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EmailAI.Tests.Tls;

/// <summary>
/// A raw line client for SMTP and POP3 that can switch to TLS in the middle, like a real client after
/// STARTTLS/STLS, and sends exactly the bytes it is given (for the injection cases). Reads octet by octet, so
/// nothing the server sends after a reply is read ahead in clear. Accepts any server certificate and keeps the
/// one it saw in <see cref="ServerCertificate"/>.
/// </summary>
public sealed class TlsLineClient : IAsyncDisposable
{
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(15);

    private readonly TcpClient _tcp;
    private Stream _stream;

    private TlsLineClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public SslStream? Ssl { get; private set; }

    public X509Certificate2? ServerCertificate { get; private set; }

    /// <summary>Connects; with <paramref name="implicitTls"/> the handshake runs at once (465, 995).</summary>
    /// <param name="receiveBufferSize">A small socket buffer makes the server's replies back up at once (0: default).</param>
    public static async Task<TlsLineClient> ConnectAsync(int port, bool implicitTls = false, int receiveBufferSize = 0)
    {
        var tcp = new TcpClient();
        if (receiveBufferSize > 0)
        {
            tcp.ReceiveBufferSize = receiveBufferSize;
        }

        await tcp.ConnectAsync("127.0.0.1", port).WaitAsync(ReplyTimeout);
        var client = new TlsLineClient(tcp);
        if (implicitTls)
        {
            await client.StartTlsAsync();
        }

        return client;
    }

    public async Task SendAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await _stream.WriteAsync(bytes).AsTask().WaitAsync(ReplyTimeout);
        await _stream.FlushAsync();
    }

    /// <summary>One line without its CRLF; null when the server closed the connection.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? ReplyTimeout);
        var line = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(one, cancel.Token);
            }
            catch (IOException)
            {
                return null;
            }

            if (read == 0)
            {
                return line.Count == 0 ? null : Encoding.UTF8.GetString([.. line]);
            }

            if (one[0] == '\n')
            {
                return Encoding.UTF8.GetString([.. line]).TrimEnd('\r');
            }

            line.Add(one[0]);
        }
    }

    /// <summary>A whole SMTP reply (all its lines), joined by LF.</summary>
    public async Task<string> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("closed after: " + string.Join("\n", lines));
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return string.Join("\n", lines);
            }
        }
    }

    /// <summary>Sends one SMTP command and returns its reply.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Runs the client side of the handshake over the connection; throws when the server refuses it.</summary>
    public async Task StartTlsAsync(SslProtocols protocols = SslProtocols.None)
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, (_, certificate, _, _) =>
        {
            ServerCertificate = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return true;
        });
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = protocols })
            .WaitAsync(ReplyTimeout);
        Ssl = ssl;
        _stream = ssl;
    }

    /// <summary>Ends the client's sending side at the TCP level (a FIN), as <c>nc -N</c> does after QUIT; reading goes on.</summary>
    public void HalfClose() => _tcp.Client.Shutdown(SocketShutdown.Send);

    /// <summary>True when the server closes the connection (or resets it) within <paramref name="timeout"/>.</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                if (await _stream.ReadAsync(buffer, cancel.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
