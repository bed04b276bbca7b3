using System.Globalization;
using System.Text;

namespace EmailAI.Bench;

/// <summary>
/// The sink's counters, shared by all sessions (one lock; a few operations per message). A transaction is "in flight"
/// from its first accepted RCPT until its end (reply to the end of DATA, RSET, a new EHLO, QUIT or the connection
/// closing); its domain is the first recipient's. Times are Unix epoch seconds (wall clock) so scripts can compare
/// them with <c>date +%s.%N</c>.
/// </summary>
internal sealed class SinkStats
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DomainStats> _domains = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _messageIds = new(StringComparer.Ordinal);
    private long _messages;
    private long _recipients;
    private long _bytes;
    private long _duplicates;
    private long _connections;
    private int _connectionsNow;
    private int _connectionsMax;
    private int _inflightNow;
    private int _inflightMax;
    private DateTimeOffset? _firstAt;
    private DateTimeOffset? _lastAt;

    public void ConnectionOpened()
    {
        lock (_lock)
        {
            _connections++;
            _connectionsNow++;
            _connectionsMax = Math.Max(_connectionsMax, _connectionsNow);
        }
    }

    public void ConnectionClosed()
    {
        lock (_lock)
        {
            _connectionsNow--;
        }
    }

    public void TransactionStarted(string domain)
    {
        lock (_lock)
        {
            _inflightNow++;
            _inflightMax = Math.Max(_inflightMax, _inflightNow);
            var stats = Domain(domain);
            stats.InflightNow++;
            stats.InflightMax = Math.Max(stats.InflightMax, stats.InflightNow);
        }
    }

    public void TransactionEnded(string domain)
    {
        lock (_lock)
        {
            // A reset may have happened meanwhile: never below zero.
            _inflightNow = Math.Max(0, _inflightNow - 1);
            var stats = Domain(domain);
            stats.InflightNow = Math.Max(0, stats.InflightNow - 1);
        }
    }

    /// <summary>Counts one accepted message (called just before its 250 is sent).</summary>
    public void MessageAccepted(string domain, int recipients, long bytes, string? messageId)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_lock)
        {
            _messages++;
            _recipients += recipients;
            _bytes += bytes;
            _firstAt ??= now;
            _lastAt = now;
            var stats = Domain(domain);
            stats.Messages++;
            stats.FirstAt ??= now;
            stats.LastAt = now;
            if (messageId is not null && !_messageIds.Add(messageId))
            {
                _duplicates++;
            }
        }
    }

    /// <summary>Zeroes the counters; open connections and transactions stay counted as open.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _messages = 0;
            _recipients = 0;
            _bytes = 0;
            _duplicates = 0;
            _connections = 0;
            _connectionsMax = _connectionsNow;
            _inflightMax = _inflightNow;
            _firstAt = null;
            _lastAt = null;
            _messageIds.Clear();
            foreach (var (name, stats) in _domains.ToList())
            {
                if (stats.InflightNow == 0)
                {
                    _domains.Remove(name);
                }
                else
                {
                    _domains[name] = new DomainStats { InflightNow = stats.InflightNow, InflightMax = stats.InflightNow };
                }
            }
        }
    }

    /// <summary>One line, <c>key=value</c> separated by spaces (a contract for the scripts).</summary>
    public string StatusLine()
    {
        lock (_lock)
        {
            var span = _firstAt is { } first && _lastAt is { } last ? (last - first).TotalSeconds : 0;
            var domainInflightMax = _domains.Count == 0 ? 0 : _domains.Values.Max(d => d.InflightMax);
            return string.Create(
                CultureInfo.InvariantCulture,
                $"messages={_messages} recipients={_recipients} bytes={_bytes} duplicates={_duplicates} " +
                $"connections={_connections} connections_now={_connectionsNow} connections_max={_connectionsMax} " +
                $"inflight_now={_inflightNow} inflight_max={_inflightMax} domains={_domains.Count(d => d.Value.Messages > 0)} " +
                $"domain_inflight_max={domainInflightMax} first_at={Epoch(_firstAt)} last_at={Epoch(_lastAt)} " +
                $"rate={(span > 0 ? _messages / span : 0):0.0}");
        }
    }

    /// <summary>One line per domain that received mail or has a transaction open.</summary>
    public string DomainLines()
    {
        lock (_lock)
        {
            var text = new StringBuilder();
            foreach (var (name, stats) in _domains.OrderBy(d => d.Key, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture,
                    $"domain={name} messages={stats.Messages} inflight_max={stats.InflightMax} first_at={Epoch(stats.FirstAt)} last_at={Epoch(stats.LastAt)}\n");
            }

            return text.ToString();
        }
    }

    private DomainStats Domain(string domain)
    {
        if (!_domains.TryGetValue(domain, out var stats))
        {
            stats = new DomainStats();
            _domains[domain] = stats;
        }

        return stats;
    }

    private static string Epoch(DateTimeOffset? at) =>
        at is { } value ? (value.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture) : "-";

    private sealed class DomainStats
    {
        public long Messages;
        public int InflightNow;
        public int InflightMax;
        public DateTimeOffset? FirstAt;
        public DateTimeOffset? LastAt;
    }
}
