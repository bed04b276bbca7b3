namespace EmailAI.Protocols.Pop3;

/// <summary>One message of a locked maildrop: its never-reused uid and exact size in octets.</summary>
public sealed record Pop3Message(long Uid, long Size);
