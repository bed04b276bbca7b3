using System.Net;
using System.Net.Sockets;
using EmailAI.Tests.Outbound;

namespace EmailAI.Tests.Callout;

/// <summary>
/// A loopback server that plays a script written in the test on every connection it accepts, numbered from 1, for
/// what <c>SmtpSink</c> cannot do (close a connection between two commands). <see cref="Connections"/> counts them.
/// A script's failure surfaces through <see cref="Failures"/>.
/// </summary>
internal sealed class ScriptedPeer : IAsyncDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(30);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new(ScriptTimeout);
    private readonly List<Task> _scripts = [];
    private readonly List<Exception> _failures = [];
    private Task _accepting = Task.CompletedTask;
    private int _connections;

    private ScriptedPeer()
    {
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    public IReadOnlyList<Exception> Failures
    {
        get
        {
            lock (_failures)
            {
                return [.. _failures];
            }
        }
    }

    public static ScriptedPeer Start(Func<int, ScriptedConnection, Task> script)
    {
        var peer = new ScriptedPeer();
        peer._listener.Start();
        peer._accepting = peer.AcceptAsync(script);
        return peer;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        Task[] scripts;
        lock (_scripts)
        {
            scripts = [_accepting, .. _scripts];
        }

        await Task.WhenAll(scripts.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        _stopping.Dispose();
    }

    private async Task AcceptAsync(Func<int, ScriptedConnection, Task> script)
    {
        while (!_stopping.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stopping.Token);
            var number = Interlocked.Increment(ref _connections);
            lock (_scripts)
            {
                _scripts.Add(RunAsync(socket, number, script));
            }
        }
    }

    private async Task RunAsync(Socket socket, int number, Func<int, ScriptedConnection, Task> script)
    {
        using (socket)
        {
            socket.NoDelay = true;
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            try
            {
                await script(number, new ScriptedConnection(socket, stream, _stopping.Token));
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or IOException or SocketException))
            {
                lock (_failures)
                {
                    _failures.Add(ex);
                }
            }
        }
    }
}
