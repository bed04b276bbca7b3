using System.Net.Sockets;

namespace EmailAI.Bench;

/// <summary>The load tools' TCP connect: Nagle off, bounded by a timeout that surfaces as <see cref="TimeoutException"/>.</summary>
internal static class BenchSocket
{
    public static async Task<Socket> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await socket.ConnectAsync(host, port, deadline.Token);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"no connection to {host}:{port} within {timeout.TotalSeconds:0}s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
