namespace EmailAI.Grains.Dns;

/// <summary>One MX record: its preference and exchange host name (no trailing dot, as written in the zone).</summary>
public sealed record MxHost(int Preference, string Exchange);
