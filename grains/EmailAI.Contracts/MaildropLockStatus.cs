namespace EmailAI.Contracts;

public enum MaildropLockStatus
{
    /// <summary>The caller now holds the maildrop's lock.</summary>
    Locked,

    /// <summary>Another session holds it and its lease has not expired.</summary>
    InUse,
}

/// <summary>The answer to a lock request: on <see cref="MaildropLockStatus.Locked"/>, the maildrop as it is now.</summary>
[GenerateSerializer, Immutable]
public sealed record MaildropSnapshot(MaildropLockStatus Status, IReadOnlyList<MaildropEntry> Messages);
