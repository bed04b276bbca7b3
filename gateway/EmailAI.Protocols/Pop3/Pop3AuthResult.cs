namespace EmailAI.Protocols.Pop3;

/// <summary>A login verdict; <see cref="Mailbox"/> is the maildrop key when it succeeded.</summary>
public sealed record Pop3AuthResult(Pop3AuthStatus Status, string? Mailbox = null);
