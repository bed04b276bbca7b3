namespace EmailAI.Gateway.Admin;

/// <summary><c>ipLocationBlocking</c> of <c>PUT /api/v1/relay</c>: members left out keep their values.</summary>
public sealed record IpLocationBlockingBody(
    List<string>? BlockedCountries,
    string? Message,
    List<string>? AllowedCountries = null,
    List<string>? BlockedRanges = null,
    bool? BlockUnknown = null);
