using System.Net;
using System.Net.Sockets;

namespace EmailAI.Tests.Outbound;

/// <summary>
/// A one-connection loopback server that plays a script written in the test, for behaviour <c>SmtpSink</c> does not
/// offer (no EHLO, bytes injected after STARTTLS, a broken TLS handshake). The script's own assertions surface
/// through <see cref="Completion"/>.
/// </summary>
internal sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(30);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new(ScriptTimeout);

    private ScriptedSmtpServer()
    {
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The script's task: faulted when one of its assertions failed or the client did not do what it expected in time.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Listens on 127.0.0.1 and runs <paramref name="script"/> on the first connection accepted.</summary>
    public static ScriptedSmtpServer Start(Func<ScriptedConnection, Task> script)
    {
        var server = new ScriptedSmtpServer();
        server._listener.Start();
        server.Completion = server.RunAsync(script);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        try
        {
            await Completion;
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // Stopped mid-script; a test that cares awaited Completion itself.
        }

        _stopping.Dispose();
    }

    private async Task RunAsync(Func<ScriptedConnection, Task> script)
    {
        using var socket = await _listener.AcceptSocketAsync(_stopping.Token);
        socket.NoDelay = true;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await script(new ScriptedConnection(socket, stream, _stopping.Token));
    }
}
