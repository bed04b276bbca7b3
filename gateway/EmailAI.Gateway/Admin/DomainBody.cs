namespace EmailAI.Gateway.Admin;

/// <summary>
/// PUT /api/v1/domains/{domain}. <see cref="QuotaBytes"/>: its accounts' default quota in octets, 0 unlimited; null or
/// absent: the node's. <see cref="UnlistedSenders"/>: its accounts' default, <c>"deliver"</c> (also when absent) or <c>"quarantine"</c>.
/// </summary>
public sealed record DomainBody(string? Name, DeliveryBody? Delivery, string? Postmaster, long? QuotaBytes = null, string? UnlistedSenders = null);
