namespace EmailAI.Storage;

/// <summary>A message as stored: exactly the bytes a POP3 client will retrieve.</summary>
public sealed record StoredMessage(string QueueId, string Sender, DateTimeOffset ReceivedAt, ReadOnlyMemory<byte> Content);
