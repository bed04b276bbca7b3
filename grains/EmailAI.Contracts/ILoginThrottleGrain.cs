namespace EmailAI.Contracts;

/// <summary>
/// Counts failed logins for one key (an account address or a client IP; see <see cref="GrainKeys"/>),
/// cluster-wide and in memory: a restart forgets them, which only shortens a lockout. The caller passes
/// the policy so every gateway applies its configured limits.
/// </summary>
public interface ILoginThrottleGrain : IGrainWithStringKey
{
    /// <summary>True while at least <paramref name="maxFailures"/> failures lie within <paramref name="window"/>.</summary>
    Task<bool> IsBlockedAsync(int maxFailures, TimeSpan window);

    Task RecordFailureAsync(TimeSpan window);

    /// <summary>Forgets the failures (after a successful login to the account).</summary>
    Task ResetAsync();
}
