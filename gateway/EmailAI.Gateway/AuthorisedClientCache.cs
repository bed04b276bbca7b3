using System.Collections.Concurrent;
using System.Net;
using EmailAI.Contracts;
using Microsoft.Extensions.Logging;

namespace EmailAI.Gateway;

/// <summary>
/// <see cref="IAuthorisedClients"/> over the silo's session policy, asked only for clients that are about to be refused
/// by a per-client connection limit, so no connection within its limits costs a grain call. Each address's answer is
/// kept for <see cref="AnswerLifetime"/> (an admin's change to the list takes at most that long to reach the
/// connection limits; the RCPT decision sees it within the relay policy's own bound) and concurrent questions about one
/// address share one call. A failed or slow call (<see cref="AskTimeout"/>) answers "not authorised" and is kept for
/// <see cref="FailureLifetime"/>, so an outage costs a call per address every few seconds, not one per connection. At most
/// <see cref="MaxEntries"/> addresses are kept: past it expired entries go, and if none has expired the cache starts
/// empty again. Thread-safe.
/// </summary>
public sealed partial class AuthorisedClientCache(
    Func<IPAddress, Task<AuthorisedClientCheck>> ask,
    TimeProvider time,
    ILogger<AuthorisedClientCache> logger) : IAuthorisedClients
{
    public static readonly TimeSpan AnswerLifetime = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan FailureLifetime = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<IPAddress, Entry> _entries = new();

    /// <summary>Addresses whose answer is held now (for tests of the bound).</summary>
    public int Count => _entries.Count;

    public async ValueTask<bool> IsAuthorisedAsync(IPAddress client, CancellationToken cancellationToken)
    {
        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        while (true)
        {
            var now = time.GetUtcNow();
            if (_entries.TryGetValue(client, out var held))
            {
                if (held.Expires > now)
                {
                    return await held.Answer.Task.WaitAsync(cancellationToken);
                }

                _entries.TryRemove(new KeyValuePair<IPAddress, Entry>(client, held));
                continue;
            }

            if (_entries.Count >= MaxEntries)
            {
                Trim(now);
            }

            var fresh = new Entry(now + AnswerLifetime);
            if (_entries.TryAdd(client, fresh))
            {
                // Not cancellable by this caller: others may be waiting for the same answer.
                _ = AskAsync(client, fresh);
                return await fresh.Answer.Task.WaitAsync(cancellationToken);
            }
        }
    }

    private async Task AskAsync(IPAddress client, Entry entry)
    {
        try
        {
            var check = await ask(client).WaitAsync(AskTimeout, time);
            if (check.AuthorisedEntry is { } match)
            {
                LogAuthorised(logger, client, match, check.PolicyVersion);
            }

            entry.Answer.SetResult(check.Authorised);
        }
        catch (Exception ex)
        {
            entry.Expires = time.GetUtcNow() + FailureLifetime;
            LogAskFailed(logger, client, ex);
            entry.Answer.SetResult(false);
        }
    }

    private void Trim(DateTimeOffset now)
    {
        foreach (var (address, entry) in _entries)
        {
            if (entry.Expires <= now)
            {
                _entries.TryRemove(new KeyValuePair<IPAddress, Entry>(address, entry));
            }
        }

        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
    }

    private sealed class Entry(DateTimeOffset expires)
    {
        private long _expiresTicks = expires.UtcTicks;

        public TaskCompletionSource<bool> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public DateTimeOffset Expires
        {
            get => new(Interlocked.Read(ref _expiresTicks), TimeSpan.Zero);
            set => Interlocked.Exchange(ref _expiresTicks, value.UtcTicks);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Client [{Client}] is on the Authorised IP list ({Entry}, policy version {Version}): exempt from the per-client connection limits")]
    private static partial void LogAuthorised(ILogger logger, IPAddress client, string entry, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ask whether client [{Client}] is on the Authorised IP list; not exempting it")]
    private static partial void LogAskFailed(ILogger logger, IPAddress client, Exception exception);
}
