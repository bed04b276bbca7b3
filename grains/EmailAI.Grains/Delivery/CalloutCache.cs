using EmailAI.Protocols.Smtp;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// The answers of recipient callouts (<see cref="RecipientCallout"/>), each kept for its own lifetime and at most
/// <paramref name="capacity"/> of them: when full, the least recently used goes first. Safe for concurrent use.
/// </summary>
public sealed class CalloutCache(int capacity, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);

    // Most recently used first.
    private readonly LinkedList<Entry> _order = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The cached answer for <paramref name="key"/>, if there is one that has not expired.</summary>
    public bool TryGet(string key, out SmtpReply reply)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                if (time.GetUtcNow() < node.Value.Expires)
                {
                    _order.Remove(node);
                    _order.AddFirst(node);
                    reply = node.Value.Reply;
                    return true;
                }

                Remove(node);
            }
        }

        reply = null!;
        return false;
    }

    /// <summary>Keeps <paramref name="reply"/> for <paramref name="lifetime"/>, replacing any earlier answer; a lifetime of zero or less keeps nothing.</summary>
    public void Set(string key, SmtpReply reply, TimeSpan lifetime)
    {
        if (lifetime <= TimeSpan.Zero || capacity <= 0)
        {
            return;
        }

        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var old))
            {
                Remove(old);
            }

            while (_entries.Count >= capacity)
            {
                Remove(_order.Last!);
            }

            _entries[key] = _order.AddFirst(new Entry(key, reply, time.GetUtcNow() + lifetime));
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _order.Remove(node);
        _entries.Remove(node.Value.Key);
    }

    private sealed record Entry(string Key, SmtpReply Reply, DateTimeOffset Expires);
}
