namespace EmailAI.Contracts;

/// <summary>
/// The SPF part of the admin's dry run: the result as Authentication-Results names it (<c>none neutral pass fail
/// softfail temperror permerror</c>, RFC 8601 §2.7.2), the identity checked (<c>mailfrom</c>, or <c>helo</c> for
/// <c>&lt;&gt;</c>, RFC 7208 §2.4) with its domain and the sender used for macros, why, and the domain's
/// explanation on a fail (RFC 7208 §6.2; null otherwise).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RelaySpfCheck(string Result, string Identity, string Domain, string Sender, string Reason, string? Explanation);
