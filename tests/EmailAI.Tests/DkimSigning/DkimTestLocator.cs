using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace EmailAI.Tests.DkimSigning;

/// <summary>
/// A DKIM public-key locator over records a test publishes by name (<c>selector._domainkey.domain</c>), parsed by
/// MimeKit's own record reader, so the record the admin API answers is what the verifier reads.
/// </summary>
public sealed class DkimTestLocator : DkimPublicKeyLocatorBase
{
    private readonly Dictionary<string, string> _records = new(StringComparer.OrdinalIgnoreCase);

    public DkimTestLocator Publish(string dnsName, string record)
    {
        _records[dnsName] = record;
        return this;
    }

    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        _records.TryGetValue($"{selector}._domainkey.{domain}", out var record)
            ? GetPublicKey(record)
            : throw new ParseException($"no key record for {selector}._domainkey.{domain}", 0, 0);

    public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));

    /// <summary>
    /// MimeKit's verdict on the one <c>DKIM-Signature</c> of <paramref name="data"/> (exactly the octets received);
    /// the test fails when there is not exactly one.
    /// </summary>
    public async Task<bool> VerifyAsync(byte[] data)
    {
        var message = await MimeMessage.LoadAsync(new MemoryStream(data));
        var signature = Assert.Single(message.Headers, h => h.Id == HeaderId.DkimSignature);
        var verifier = new DkimVerifier(this);
        verifier.Enable(DkimSignatureAlgorithm.Ed25519Sha256);
        return await verifier.VerifyAsync(message, signature);
    }
}
