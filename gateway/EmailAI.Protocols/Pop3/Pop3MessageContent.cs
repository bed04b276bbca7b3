namespace EmailAI.Protocols.Pop3;

/// <summary>
/// The data of a RETR or TOP response (RFC 1939 §7): the stored message, not yet dot-stuffed, and how many
/// body lines to send after the header and the blank line (<see cref="int.MaxValue"/>: all of them, RETR).
/// </summary>
public sealed record Pop3MessageContent(ReadOnlyMemory<byte> Message, int BodyLines = int.MaxValue);
