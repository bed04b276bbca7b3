namespace EmailAI.Contracts;

/// <summary>
/// One failed delivery attempt of a queue row: when, the remote host that answered (null when none did: no MX, no
/// connection), and the reply or the local reason, on one line.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QueueAttempt(long RowId, DateTimeOffset At, string? Host, string Reply);
