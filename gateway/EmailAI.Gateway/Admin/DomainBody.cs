namespace EmailAI.Gateway.Admin;

/// <summary>PUT /api/v1/domains/{domain}. <see cref="QuotaBytes"/>: its accounts' default quota in octets, 0 unlimited; null or absent: the node's.</summary>
public sealed record DomainBody(string? Name, DeliveryBody? Delivery, string? Postmaster, long? QuotaBytes = null);
