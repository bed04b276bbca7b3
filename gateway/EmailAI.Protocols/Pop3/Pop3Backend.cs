using System.Net;

namespace EmailAI.Protocols.Pop3;

/// <summary>Outcome of a login attempt.</summary>
public enum Pop3AuthStatus
{
    Succeeded,

    /// <summary>Unknown user or wrong password; the same answer for both.</summary>
    Failed,

    /// <summary>Too many recent failures for this account or client; refused without checking.</summary>
    Throttled,

    /// <summary>Could not be decided now (storage or cluster trouble).</summary>
    TemporaryFailure,
}

/// <summary>A login verdict; <see cref="Mailbox"/> is the maildrop key when it succeeded.</summary>
public sealed record Pop3AuthResult(Pop3AuthStatus Status, string? Mailbox = null);

/// <summary>What the client presented: a password (USER/PASS, AUTH PLAIN) or an APOP digest over the greeting's timestamp.</summary>
public sealed record Pop3Credentials(string User, string? Password, string? ApopTimestamp, string? ApopDigest, IPAddress RemoteAddress);

/// <summary>One message of a locked maildrop: its never-reused uid and exact size in octets.</summary>
public sealed record Pop3Message(long Uid, long Size);

public enum Pop3OpenStatus
{
    Opened,

    /// <summary>Another session holds the maildrop lock (RFC 2449 [IN-USE]).</summary>
    InUse,

    TemporaryFailure,
}

/// <summary>
/// The result of locking a maildrop: on success, the snapshot the session works on. Mail that arrives
/// later is not in it (and so is never deleted by this session's QUIT).
/// </summary>
public sealed record Pop3OpenResult(Pop3OpenStatus Status, IReadOnlyList<Pop3Message> Messages);

/// <summary>
/// The maildrop operations a POP3 session needs. Lock ownership is by session id: every call after
/// <see cref="OpenAsync"/> names the session, and a session whose lock was lost (lease expired and
/// taken by another) can no longer delete anything.
/// </summary>
public interface IPop3Backend
{
    ValueTask<Pop3AuthResult> AuthenticateAsync(Pop3Credentials credentials, CancellationToken cancellationToken);

    /// <summary>Takes the maildrop's exclusive lock and returns its snapshot.</summary>
    ValueTask<Pop3OpenResult> OpenAsync(string mailbox, string sessionId, CancellationToken cancellationToken);

    /// <summary>The stored bytes of one message, or null if it is gone.</summary>
    ValueTask<ReadOnlyMemory<byte>?> ReadAsync(string mailbox, long uid, CancellationToken cancellationToken);

    /// <summary>
    /// UPDATE state: removes <paramref name="deleteUids"/> durably and releases the lock. False when the
    /// lock was lost or the removal failed; then nothing was removed.
    /// </summary>
    ValueTask<bool> CommitAsync(string mailbox, string sessionId, IReadOnlyCollection<long> deleteUids, CancellationToken cancellationToken);

    /// <summary>Releases the lock without deleting anything (disconnect, autologout). Safe to repeat.</summary>
    ValueTask ReleaseAsync(string mailbox, string sessionId);
}
