using System.Net;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Smtp;

/// <summary>
/// The recent SMTP errors of each client group (<see cref="ClientGroup"/>, <see cref="SmtpOptions.ClientIpv6PrefixLength"/>)
/// on this gateway, so the error tarpit (<see cref="SmtpOptions.SoftErrorLimit"/>) slows a client down across its
/// sessions: a harvester that reconnects every few errors starts its next session where it left off. An error is
/// remembered for <see cref="SmtpOptions.ErrorHistoryWindow"/>; at most <see cref="SmtpOptions.ErrorHistoryCapacity"/>
/// groups are kept (the one whose last error is oldest is forgotten first) and at most <see cref="MaxErrorsPerGroup"/>
/// errors per group, so memory stays bounded whatever the clients do. Per gateway, not cluster-wide: a client spread
/// over gateways is counted on each. Thread-safe.
/// </summary>
public sealed class ClientErrorHistory(IOptions<SmtpOptions> options, TimeProvider time)
{
    /// <summary>More errors than any tarpit delay needs (past SoftErrorLimit + MaxErrorSleepTime / ErrorSleepTime it is capped anyway).</summary>
    public const int MaxErrorsPerGroup = 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, LinkedListNode<Group>> _groups = [];

    // Least recently erring first: the eviction order.
    private readonly LinkedList<Group> _order = new();

    /// <summary>Client groups held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _groups.Count;
            }
        }
    }

    /// <summary>The standing of one new session from <paramref name="remote"/>.</summary>
    public IClientStanding For(IPAddress remote) => new Standing(this, ClientGroup.Of(remote, Math.Clamp(options.Value.ClientIpv6PrefixLength, 0, 128)));

    /// <summary>Errors of the group still inside the window.</summary>
    private int CountOf(IPAddress group)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue(group, out var node))
            {
                return 0;
            }

            Expire(node.Value, time.GetUtcNow());
            if (node.Value.Errors.Count == 0)
            {
                Remove(node);
            }

            return node.Value.Errors.Count;
        }
    }

    private void Record(IPAddress group)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_groups.TryGetValue(group, out var node))
            {
                _order.Remove(node);
            }
            else
            {
                node = new LinkedListNode<Group>(new Group(group));
                _groups.Add(group, node);
            }

            _order.AddLast(node);
            var errors = node.Value.Errors;
            Expire(node.Value, now);
            if (errors.Count >= MaxErrorsPerGroup)
            {
                errors.Dequeue();
            }

            errors.Enqueue(now);
            while (_groups.Count > Math.Max(1, options.Value.ErrorHistoryCapacity))
            {
                Remove(_order.First!);
            }
        }
    }

    private void Forget(IPAddress group)
    {
        lock (_lock)
        {
            if (_groups.TryGetValue(group, out var node))
            {
                Remove(node);
            }
        }
    }

    private void Expire(Group group, DateTimeOffset now)
    {
        var oldest = now - options.Value.ErrorHistoryWindow;
        while (group.Errors.Count > 0 && group.Errors.Peek() <= oldest)
        {
            group.Errors.Dequeue();
        }
    }

    private void Remove(LinkedListNode<Group> node)
    {
        _order.Remove(node);
        _groups.Remove(node.Value.Key);
    }

    private sealed record Group(IPAddress Key)
    {
        public Queue<DateTimeOffset> Errors { get; } = new();
    }

    /// <summary>
    /// One session's view: the group's errors minus the ones this session recorded. Once this session's own errors
    /// leave the window it undercounts the others' (never overcounts), which a long session can afford.
    /// </summary>
    private sealed class Standing(ClientErrorHistory history, IPAddress group) : IClientStanding
    {
        private int _own;

        public int PriorErrors => Math.Max(0, history.CountOf(group) - Volatile.Read(ref _own));

        public void RecordError()
        {
            Interlocked.Increment(ref _own);
            history.Record(group);
        }

        public void RecordDelivery()
        {
            Volatile.Write(ref _own, 0);
            history.Forget(group);
        }
    }
}
