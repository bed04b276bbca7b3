using System.Net;

namespace EmailAI.Grains.Authentication.Spf;

/// <summary>
/// The values macros expand to (RFC 7208 §7.2): the client address (<c>i c v</c>), the sender (<c>s l o</c>), the
/// current domain (<c>d</c>), the HELO name (<c>h</c>), the client's validated reverse name (<c>p</c>, "unknown"
/// when null), the receiving host's name (<c>r</c>) and the time (<c>t</c>, seconds since the Unix epoch).
/// </summary>
public sealed record SpfMacroContext(IPAddress Client, string Sender, string Domain, string? Helo, string? ValidatedDomain, string? Receiver, long Timestamp);
