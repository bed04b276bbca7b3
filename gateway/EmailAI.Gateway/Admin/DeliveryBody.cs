namespace EmailAI.Gateway.Admin;

/// <summary>JSON bodies of the admin API (DESIGN.md). Every member is optional at parse time and checked by hand, so each mistake gets a precise 400.</summary>
public sealed record DeliveryBody(string? Mode, string? Host, int? Port);
