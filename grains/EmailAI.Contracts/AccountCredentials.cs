namespace EmailAI.Contracts;

/// <summary>
/// A login attempt: a password, or an APOP digest (RFC 1939 §7) over the greeting's timestamp. With
/// <see cref="RememberSuccessFor"/> above zero, a password that verified is remembered that long as a keyed
/// fast hash, so the same client polling again is not charged the slow hash each time.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AccountCredentials(string? Password, string? ApopTimestamp = null, string? ApopDigest = null, TimeSpan RememberSuccessFor = default);
