namespace EmailAI.Gateway.Admin;

/// <summary>JSON bodies of the admin API (DESIGN.md). Every member is optional at parse time and checked by hand, so each mistake gets a precise 400.</summary>
public sealed record DeliveryBody(string? Mode, string? Host, int? Port);

public sealed record DomainBody(string? Name, DeliveryBody? Delivery, string? Postmaster);

public sealed record AccountBody(string? Address, string? Password, DeliveryBody? Delivery);

public sealed record IpLocationBlockingBody(List<string>? BlockedCountries, string? Message);

public sealed record RelayBody(List<string>? AuthorisedIps, bool? AutoWhiteListRecipients, IpLocationBlockingBody? IpLocationBlocking);
