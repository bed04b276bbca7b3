namespace EmailAI.Grains.Auth;

/// <summary>
/// How much password hashing a silo does at once (section <c>EmailAI:Auth</c>). A password check is PBKDF2 at
/// 210,000 iterations, about 120 ms of one core: run without a bound, 600 failed POP3 logins from 12 addresses
/// once drove SMTP acceptance to a p99 of 25 s and Orleans to degraded health. Checks beyond the bound wait at most
/// <see cref="HashSlotWait"/> and are then answered "try later" (SMTP 454 4.7.0, POP3 -ERR [SYS/TEMP]).
/// </summary>
public sealed class PasswordHashingOptions
{
    public const string Section = "EmailAI:Auth";

    /// <summary>
    /// Slow hashes running at once on this silo, on the thread pool (never in a grain turn). Default: the processor
    /// count, like Dovecot's auth worker processes default to the CPU count; the rest of the node keeps the scheduler.
    /// </summary>
    public int MaxConcurrentHashes { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Longest a login waits for a hashing slot before it is answered as a temporary failure; a storm of guesses
    /// then costs the node at most <see cref="MaxConcurrentHashes"/> cores instead of an ever-growing queue.
    /// </summary>
    public TimeSpan HashSlotWait { get; set; } = TimeSpan.FromSeconds(2);
}
