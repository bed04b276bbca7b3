namespace EmailAI.Contracts;

/// <summary>Open connections, the current connection limit (slow start), and messages loaded and waiting for a connection.</summary>
[GenerateSerializer, Immutable]
public sealed record DeliveryActivity(int Connections, int ConnectionLimit, int Waiting);
