namespace EmailAI.Protocols.Pop3;

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
