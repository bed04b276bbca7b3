namespace EmailAI.Grains.DkimSigning;

/// <summary>
/// A local domain's DKIM signing key as persisted in its <see cref="DomainState"/>, so every silo of the cluster
/// signs with the same key: the selector (lower case), the algorithm and the private key as PKCS#8 PEM (imported
/// PKCS#1 keys are stored converted). Made only by <see cref="DkimKeys"/>, which validated it.
/// </summary>
[GenerateSerializer]
public sealed class DkimKeyState
{
    [Id(0)]
    public string Selector { get; set; } = "";

    [Id(1)]
    public string Algorithm { get; set; } = "";

    [Id(2)]
    public string PrivateKeyPem { get; set; } = "";

    [Id(3)]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The TXT record to publish, kept so the admin API answers it without touching the private key.</summary>
    [Id(4)]
    public string DnsRecord { get; set; } = "";
}
