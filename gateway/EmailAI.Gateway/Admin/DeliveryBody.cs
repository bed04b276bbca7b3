namespace EmailAI.Gateway.Admin;

/// <summary>
/// JSON bodies of the admin API (DESIGN.md). Every member is optional at parse time and checked by hand, so each mistake gets a precise 400.
/// <see cref="VerifyRecipients"/> (<c>callout</c>, <c>list</c> or <c>none</c>) and <see cref="ValidRecipients"/> (for <c>list</c>) apply to
/// a forwarding domain only.
/// </summary>
public sealed record DeliveryBody(string? Mode, string? Host, int? Port, string? VerifyRecipients = null, string[]? ValidRecipients = null);
