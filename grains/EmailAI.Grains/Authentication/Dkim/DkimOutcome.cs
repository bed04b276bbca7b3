namespace EmailAI.Grains.Authentication.Dkim;

/// <summary>
/// One DKIM-Signature's verdict (RFC 8601 §2.7.1): <see cref="Result"/> is <c>pass</c>, <c>fail</c>,
/// <c>neutral</c>, <c>policy</c>, <c>temperror</c> or <c>permerror</c>; <see cref="Domain"/> the signing domain
/// (<c>d=</c>), <see cref="Selector"/> its <c>s=</c>, <see cref="Algorithm"/> its <c>a=</c>; <see cref="Reason"/> why,
/// when it did not pass.
/// </summary>
public sealed record DkimOutcome(string Result, string Domain, string Selector, string Algorithm, string? Reason)
{
    public bool Passed => Result == "pass";
}
