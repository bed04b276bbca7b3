namespace EmailAI.Contracts;

/// <summary>One maildrop as the message store holds it: its name (a normalised address key), message count and stored octets.</summary>
[GenerateSerializer, Immutable]
public sealed record MaildropSummary(string Name, int Count, long Bytes);
