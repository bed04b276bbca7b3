namespace EmailAI.Gateway.Admin;

public sealed record IpLocationBlockingBody(List<string>? BlockedCountries, string? Message);
