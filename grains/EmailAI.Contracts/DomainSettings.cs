namespace EmailAI.Contracts;

/// <summary>What an admin sets on a domain (PUT /api/v1/domains/{domain}).</summary>
[GenerateSerializer, Immutable]
public sealed record DomainSettings(DeliverySettings Delivery, string? Postmaster);
