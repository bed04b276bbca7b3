using System.Collections.Concurrent;
using System.Net;

namespace EmailAI.Gateway.Smtp;

/// <summary>
/// Counts open connections of one listener, in total and per client address, so that the limits in
/// <see cref="EmailAI.Protocols.Smtp.SmtpOptions"/> hold under any interleaving of connects and closes.
/// Every successful <see cref="TryAcquire"/> must be paired with one <see cref="Release"/>.
/// </summary>
public sealed class ConnectionLimiter
{
    private readonly ConcurrentDictionary<IPAddress, int> _perClient = new();
    private int _total;

    public int Total => Volatile.Read(ref _total);

    public bool TryAcquire(IPAddress client, int maxTotal, int maxPerClient)
    {
        if (Interlocked.Increment(ref _total) > maxTotal)
        {
            Interlocked.Decrement(ref _total);
            return false;
        }

        var count = _perClient.AddOrUpdate(client, 1, (_, n) => n + 1);
        if (count > maxPerClient)
        {
            Release(client);
            return false;
        }

        return true;
    }

    public void Release(IPAddress client)
    {
        Interlocked.Decrement(ref _total);
        // Drop the entry at zero so the dictionary does not grow with every address ever seen.
        while (_perClient.TryGetValue(client, out var count))
        {
            if (count <= 1 ? _perClient.TryRemove(new KeyValuePair<IPAddress, int>(client, count)) : _perClient.TryUpdate(client, count - 1, count))
            {
                return;
            }
        }
    }
}
