namespace EmailAI.Gateway.Admin;

/// <summary>
/// PUT /api/v1/accounts/{address}. <see cref="QuotaBytes"/>: octets, 0 unlimited; null or absent inherits the domain's.
/// <see cref="UnlistedSenders"/>: <c>"deliver"</c> or <c>"quarantine"</c>; null or absent inherits the domain's.
/// </summary>
public sealed record AccountBody(string? Address, string? Password, DeliveryBody? Delivery, long? QuotaBytes = null, string? UnlistedSenders = null);
