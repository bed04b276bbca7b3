namespace EmailAI.Contracts;

/// <summary>
/// The public side of a domain's DKIM signing key, as the admin API shows it: the TXT record to publish at
/// <see cref="DnsName"/> (RFC 6376 §3.6.2.1: <c>selector._domainkey.domain</c>). Never holds the private key.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DkimKeyInfo(
    string Selector,
    string Algorithm,
    string DnsName,
    string DnsRecord);
