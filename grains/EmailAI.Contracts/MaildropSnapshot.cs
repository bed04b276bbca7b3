namespace EmailAI.Contracts;

/// <summary>The answer to a lock request: on <see cref="MaildropLockStatus.Locked"/>, the maildrop as it is now.</summary>
[GenerateSerializer, Immutable]
public sealed record MaildropSnapshot(MaildropLockStatus Status, IReadOnlyList<MaildropEntry> Messages);
