using Org.BouncyCastle.Crypto;

namespace EmailAI.Grains.Authentication.Dkim;

/// <summary>
/// The answer to one key lookup at <c>selector._domainkey.domain</c>: a usable <see cref="Parameters"/> with the
/// record's <c>k=</c>, <c>h=</c> and <c>t=</c> (RFC 6376 §3.6.1), or, when there is none, the DKIM result it gives
/// (<c>permerror</c> for a missing, revoked or malformed key, <c>temperror</c> for DNS trouble, RFC 6376 §6.1.2)
/// and why.
/// </summary>
internal sealed record DkimKey(AsymmetricKeyParameter? Parameters, string KeyType, IReadOnlyList<string>? HashAlgorithms, IReadOnlyList<string> Flags, string Result, string? Reason)
{
    public static DkimKey Error(string result, string reason) => new(null, "", null, [], result, reason);
}
