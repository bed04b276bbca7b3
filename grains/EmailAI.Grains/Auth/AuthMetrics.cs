using System.Diagnostics.Metrics;

namespace EmailAI.Grains.Auth;

/// <summary>
/// The silo's login instruments (meter <c>EmailAI.Auth</c>): every slow hash run or refused for want of a slot, so
/// an operator (and the tests) can see how many password checks a storm really caused.
/// </summary>
public static class AuthMetrics
{
    public const string Name = "EmailAI.Auth";

    private static readonly Meter Meter = new(Name);

    /// <summary>Tags: <c>purpose</c> (login, setpassword, scramupgrade), <c>result</c> (hashed, busy).</summary>
    public static readonly Counter<long> PasswordHashes =
        Meter.CreateCounter<long>("emailai.auth.password_hashes", "{hash}", "Slow password hashes run, or refused because every slot stayed busy");
}
