using EmailAI.Contracts;
using Orleans.Placement;

namespace EmailAI.Grains;

/// <summary>
/// Check slots of one login key, kept in memory (see <see cref="ILoginThrottleGrain"/>). Reserving tests and
/// counts in one turn of this non-reentrant grain, which is what makes the limit hold however many connections
/// guess at once (the old IsBlocked-then-RecordFailure pair let 199 of 200 simultaneous guesses through).
/// Memory per key is bounded by the limit (a refused reservation adds nothing) and by <see cref="MaxRemembered"/>
/// whatever the limit. Placed on the silo that first receives a call for the key, so the gateway's call costs one
/// hop; the activation is kept alive while it remembers anything, and a silo lost forgets only throttles.
/// </summary>
[PreferLocalPlacement]
public sealed class LoginThrottleGrain(TimeProvider time) : Grain, ILoginThrottleGrain
{
    /// <summary>Slots remembered at most, whatever the policy; bounds memory per key.</summary>
    public const int MaxRemembered = 1000;

    // Oldest first: expiry takes from the front, a slot given back is the newest, at the end.
    private readonly LinkedList<DateTimeOffset> _slots = new();

    public Task<bool> TryReserveAsync(int limit, TimeSpan window)
    {
        Forget(window);
        if (limit > 0 && _slots.Count >= Math.Min(limit, MaxRemembered))
        {
            return Task.FromResult(false);
        }

        if (limit > 0)
        {
            _slots.AddLast(time.GetUtcNow());

            // Idle deactivation would forget the slots before the window ends; kept alive until it does.
            DelayDeactivation(window);
        }

        return Task.FromResult(true);
    }

    public Task ReleaseAsync(bool forgetAll)
    {
        if (forgetAll)
        {
            _slots.Clear();
        }
        else if (_slots.Count > 0)
        {
            _slots.RemoveLast();
        }

        return Task.CompletedTask;
    }

    private void Forget(TimeSpan window)
    {
        var cutoff = time.GetUtcNow() - window;
        while (_slots.First is { } oldest && oldest.Value <= cutoff)
        {
            _slots.RemoveFirst();
        }
    }
}
