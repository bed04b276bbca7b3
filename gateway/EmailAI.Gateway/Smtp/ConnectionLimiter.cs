using System.Collections.Concurrent;
using System.Net;
using EmailAI.Protocols.Common;

namespace EmailAI.Gateway.Smtp;

/// <summary>
/// The connection limits of one listener family (SMTP or POP3), one implementation for both: the total
/// (<see cref="IConnectionLimitOptions.MaxConnections"/>, for everyone), and per client group
/// (<see cref="ClientGroup.Of"/>) the simultaneous count and the attempt rate per window, from which loopback (when
/// <see cref="IConnectionLimitOptions.ExemptLoopback"/>) and Authorised IP clients are exempt, as Postfix exempts
/// $mynetworks through smtpd_client_event_limit_exceptions. The Authorised IP list is asked only for a client that a
/// per-client limit is about to refuse. The counts hold under any interleaving of acquires and releases: every admitted
/// <see cref="AcquireAsync"/> must be paired with one <see cref="Release"/>, and a group's entry goes when its count
/// returns to zero. The rate table is bounded: entries expire a window after their first attempt, and past
/// <see cref="MaxRateEntries"/> groups no new group is rate-counted until entries expire (the other limits still
/// apply to it).
/// </summary>
public sealed class ConnectionLimiter(TimeProvider time, IAuthorisedClients? authorised = null, int maxRateEntries = ConnectionLimiter.MaxRateEntries)
{
    /// <summary>
    /// Client groups whose attempts are counted at once: about 100 bytes each, so a flood from many addresses costs
    /// at most some 10 MB. Reaching it takes more distinct groups connecting within one window than any real client
    /// population of one gateway.
    /// </summary>
    public const int MaxRateEntries = 100_000;

    private readonly ConcurrentDictionary<IPAddress, int> _perClient = new();
    private readonly ConcurrentDictionary<IPAddress, RateWindow> _rates = new();
    private int _total;
    private long _nextSweepTicks;

    /// <summary>Connections admitted and not yet released.</summary>
    public int Total => Volatile.Read(ref _total);

    /// <summary>Client groups holding at least one connection.</summary>
    public int ClientGroups => _perClient.Count;

    /// <summary>Client groups whose connection rate is being counted.</summary>
    public int RateEntries => _rates.Count;

    /// <summary>
    /// Counts the attempt toward the client's rate, then admits the connection or says which limit refuses it.
    /// Completes at once unless a per-client limit would refuse a non-loopback client: then the Authorised IP list is
    /// asked (<see cref="IAuthorisedClients"/>, cached), while the slot is held. A refusal holds nothing.
    /// </summary>
    public async ValueTask<ConnectionAdmission> AcquireAsync(IPAddress client, IConnectionLimitOptions limits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(limits);
        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        // A misconfigured prefix length must not fail every connection: outside 0–128 it is taken as the nearest end.
        var group = ClientGroup.Of(client, Math.Clamp(limits.ClientIpv6PrefixLength, 0, 128));
        var overRate = limits.MaxConnectionRatePerClient > 0 && CountAttempt(group, limits.ConnectionRateWindow) > limits.MaxConnectionRatePerClient;
        if (Interlocked.Increment(ref _total) > limits.MaxConnections)
        {
            Interlocked.Decrement(ref _total);
            return new ConnectionAdmission(ConnectionRefusal.Total, group, ConnectionExemption.None);
        }

        var count = _perClient.AddOrUpdate(group, 1, (_, n) => n + 1);
        var refusal = count > limits.MaxConnectionsPerClient ? ConnectionRefusal.PerClient
            : overRate ? ConnectionRefusal.Rate
            : ConnectionRefusal.None;
        if (refusal == ConnectionRefusal.None)
        {
            return new ConnectionAdmission(ConnectionRefusal.None, group, ConnectionExemption.None);
        }

        var exemption = ConnectionExemption.None;
        try
        {
            exemption = await ExemptionAsync(client, limits, cancellationToken);
        }
        finally
        {
            if (exemption == ConnectionExemption.None)
            {
                Release(group);
            }
        }

        return exemption == ConnectionExemption.None
            ? new ConnectionAdmission(refusal, group, ConnectionExemption.None)
            : new ConnectionAdmission(ConnectionRefusal.None, group, exemption);
    }

    /// <summary>Gives back the slot of an admitted connection. Call exactly once per admission.</summary>
    /// <exception cref="ArgumentException">The admission was a refusal: it holds no slot.</exception>
    public void Release(ConnectionAdmission admission)
    {
        if (!admission.Admitted)
        {
            throw new ArgumentException("A refused connection holds no slot.", nameof(admission));
        }

        Release(admission.Group);
    }

    private void Release(IPAddress group)
    {
        Interlocked.Decrement(ref _total);
        // Drop the entry at zero so the dictionary does not grow with every address ever seen.
        while (_perClient.TryGetValue(group, out var count))
        {
            if (count <= 1 ? _perClient.TryRemove(new KeyValuePair<IPAddress, int>(group, count)) : _perClient.TryUpdate(group, count - 1, count))
            {
                return;
            }
        }
    }

    private async ValueTask<ConnectionExemption> ExemptionAsync(IPAddress client, IConnectionLimitOptions limits, CancellationToken cancellationToken)
    {
        if (limits.ExemptLoopback && IPAddress.IsLoopback(client))
        {
            return ConnectionExemption.Loopback;
        }

        return authorised is not null && await authorised.IsAuthorisedAsync(client, cancellationToken)
            ? ConnectionExemption.AuthorisedIp
            : ConnectionExemption.None;
    }

    /// <summary>
    /// Counts one attempt in the group's current window and returns the window's count so far (Postfix anvil's fixed
    /// window: it starts at the first attempt and the count starts again once it has passed). Returns 0, counting
    /// nothing, for a new group while the table is full of live entries.
    /// </summary>
    private int CountAttempt(IPAddress group, TimeSpan window)
    {
        var now = time.GetUtcNow();
        SweepIfDue(now, window);
        while (true)
        {
            if (!_rates.TryGetValue(group, out var entry))
            {
                if (_rates.Count >= maxRateEntries)
                {
                    Sweep(now);
                    if (_rates.Count >= maxRateEntries)
                    {
                        return 0;
                    }
                }

                entry = _rates.GetOrAdd(group, _ => new RateWindow(now, window));
            }

            lock (entry)
            {
                if (entry.Removed)
                {
                    continue;
                }

                if (now >= entry.Ends)
                {
                    entry.Ends = now + window;
                    entry.Count = 0;
                }

                return ++entry.Count;
            }
        }
    }

    /// <summary>Drops expired windows about once a window, so the table holds only groups seen within the last one.</summary>
    private void SweepIfDue(DateTimeOffset now, TimeSpan window)
    {
        var due = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks >= due && Interlocked.CompareExchange(ref _nextSweepTicks, (now + window).UtcTicks, due) == due)
        {
            Sweep(now);
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (group, entry) in _rates)
        {
            lock (entry)
            {
                if (now >= entry.Ends && _rates.TryRemove(new KeyValuePair<IPAddress, RateWindow>(group, entry)))
                {
                    // A caller that looked the entry up before it went counts again in a new one.
                    entry.Removed = true;
                }
            }
        }
    }

    private sealed class RateWindow(DateTimeOffset start, TimeSpan window)
    {
        public DateTimeOffset Ends { get; set; } = start + window;

        public int Count { get; set; }

        public bool Removed { get; set; }
    }
}
