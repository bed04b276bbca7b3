namespace EmailAI.Grains.Authentication.Spf;

/// <summary>
/// An SPF verdict: the <see cref="Result"/>; which identity was checked (<see cref="Identity"/>: <c>mailfrom</c>, or
/// <c>helo</c> when MAIL FROM was <c>&lt;&gt;</c>, RFC 7208 §2.4) with its <see cref="Domain"/> and the
/// <see cref="Sender"/> used for macros; <see cref="Explanation"/>, the domain's <c>exp=</c> text on a fail (RFC 7208
/// §6.2), else null; <see cref="Reason"/>, why (the mechanism that matched, or the error), for logs, the admin's dry
/// run and the Authentication-Results comment.
/// </summary>
public sealed record SpfOutcome(SpfResult Result, string Identity, string Domain, string Sender, string? Explanation, string Reason);
