namespace EmailAI.Contracts;

/// <summary>A local domain as the admin API shows it. <see cref="Postmaster"/> is where postmaster@ mail goes when no postmaster account exists.</summary>
[GenerateSerializer, Immutable]
public sealed record DomainInfo(string Name, DeliverySettings Delivery, string? Postmaster, int AccountCount);
