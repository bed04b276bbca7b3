using System.Net;

namespace EmailAI.Grains.Authentication.Spf;

/// <summary>SPF (RFC 7208) over <see cref="Dns.IDnsLookup"/>. Never throws for DNS trouble or bad records: those are temperror and permerror.</summary>
public interface ISpfChecker
{
    /// <summary>
    /// The check a receiver runs for a message: the MAIL FROM identity, or the HELO identity when MAIL FROM is empty
    /// (<c>&lt;&gt;</c>; RFC 7208 §2.4: sender <c>postmaster@helo</c>). A MAIL FROM without a domain, or a missing or
    /// non-domain HELO for a null sender, is <see cref="SpfResult.None"/>.
    /// </summary>
    Task<SpfOutcome> CheckAsync(IPAddress client, string? helo, string mailFrom, CancellationToken cancellationToken = default);

    /// <summary>check_host(ip, domain, sender) of RFC 7208 §4, with <paramref name="helo"/> for the %{h} macro.</summary>
    Task<SpfOutcome> CheckHostAsync(IPAddress client, string domain, string sender, string? helo, CancellationToken cancellationToken = default);
}
