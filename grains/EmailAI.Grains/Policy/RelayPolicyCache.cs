using EmailAI.Contracts;
using Microsoft.Extensions.Logging;

namespace EmailAI.Grains.Policy;

/// <summary>
/// The relay policy as this silo knows it, so that no RCPT waits on the cluster's single
/// <see cref="IRelayPolicyGrain"/>. The bound on staleness, and so on how long an admin's change takes to
/// reach every node: <see cref="RelayPolicyRefresher"/> asks for a newer version every
/// <see cref="RefreshInterval"/>; a decision uses the cached version only while it was confirmed current
/// within <see cref="MaxAge"/>, and otherwise waits for a fresh one (which, if the relay-policy grain cannot be
/// reached, fails, so the RCPT gets 451 4.3.0 — a stale list never relays for ever). The silo that applies a
/// change publishes it here at once. Thread-safe.
/// </summary>
public sealed partial class RelayPolicyCache(IGrainFactory grains, TimeProvider time, ILogger<RelayPolicyCache> logger)
{
    /// <summary>How often the refresher asks for a newer version.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The longest a version is used without being confirmed current: the bound, stated in the README, within
    /// which a change made through the admin API takes effect on every node.
    /// </summary>
    public static readonly TimeSpan MaxAge = RelayPolicySnapshot.PropagationBound;

    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile Entry? _entry;

    /// <summary>The current policy, fetched first if the cached one is older than <see cref="MaxAge"/>.</summary>
    public async ValueTask<CompiledRelayPolicy> GetAsync()
    {
        var entry = _entry;
        if (entry is not null && time.GetUtcNow() - entry.ConfirmedAt < MaxAge)
        {
            return entry.Policy;
        }

        await RefreshAsync();
        return _entry?.Policy ?? throw new InvalidOperationException("The relay policy could not be loaded.");
    }

    /// <summary>
    /// Asks the relay-policy grain for anything newer than the cached version. One refresh runs at a time;
    /// callers that arrive meanwhile wait for it rather than sending their own. Throws when the grain cannot
    /// be reached.
    /// </summary>
    public async Task RefreshAsync()
    {
        var before = time.GetUtcNow();
        await _refreshing.WaitAsync();
        try
        {
            if (_entry is { } fresh && fresh.ConfirmedAt >= before)
            {
                // Someone refreshed while we waited.
                return;
            }

            var known = _entry;
            var newer = await grains.GetGrain<IRelayPolicyGrain>(GrainKeys.RelayPolicy).GetIfNewerAsync(known?.Policy.Version ?? -1);
            if (newer is not null)
            {
                Publish(newer, before);
            }
            else if (known is not null)
            {
                Replace(known, known with { ConfirmedAt = before });
            }
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Takes a version that this silo just wrote (or fetched); an older one than the cached is ignored.</summary>
    public void Publish(RelayPolicySnapshot snapshot) => Publish(snapshot, time.GetUtcNow());

    private void Publish(RelayPolicySnapshot snapshot, DateTimeOffset confirmedAt)
    {
        while (true)
        {
            var current = _entry;
            if (current is not null && current.Policy.Version > snapshot.Version)
            {
                return;
            }

            if (Replace(current, new Entry(new CompiledRelayPolicy(snapshot), confirmedAt)))
            {
                if (current is null || current.Policy.Version != snapshot.Version)
                {
                    LogVersion(logger, snapshot.Version, snapshot.Settings.AuthorisedIps.Count);
                }

                return;
            }
        }
    }

    private bool Replace(Entry? expected, Entry replacement) =>
        ReferenceEquals(Interlocked.CompareExchange(ref _entry, replacement, expected), expected);

    private sealed record Entry(CompiledRelayPolicy Policy, DateTimeOffset ConfirmedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay policy version {Version} in force on this silo ({Count} Authorised IP entries)")]
    private static partial void LogVersion(ILogger logger, long version, int count);
}
