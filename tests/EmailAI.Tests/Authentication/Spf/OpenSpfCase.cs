using EmailAI.Grains.Authentication.Spf;

namespace EmailAI.Tests.Authentication.Spf;

/// <summary>One case of <see cref="OpenSpfSuite"/>: its id and RFC 7208 section, the SMTP facts, the acceptable results (first preferred) and explanation.</summary>
internal sealed record OpenSpfCase(string Id, string Spec, string Host, string Helo, string MailFrom, SpfResult[] Results, string? Explanation);
