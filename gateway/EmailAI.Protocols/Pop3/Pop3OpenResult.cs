namespace EmailAI.Protocols.Pop3;

/// <summary>
/// The result of locking a maildrop: on success, the snapshot the session works on. Mail that arrives
/// later is not in it (and so is never deleted by this session's QUIT).
/// </summary>
public sealed record Pop3OpenResult(Pop3OpenStatus Status, IReadOnlyList<Pop3Message> Messages);
