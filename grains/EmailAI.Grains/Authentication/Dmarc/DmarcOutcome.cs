namespace EmailAI.Grains.Authentication.Dmarc;

/// <summary>
/// The DMARC verdict for the message's From: domain (RFC 7489 §6.6): <see cref="Result"/> is <c>none</c> (no policy
/// found), <c>pass</c>, <c>fail</c>, <c>temperror</c> or <c>permerror</c>; <see cref="FromDomain"/> the RFC5322.From
/// domain (null when the message has no single From: address); <see cref="Policy"/> the policy that applies
/// (<c>none</c>, <c>quarantine</c>, <c>reject</c>: <c>sp</c> for a subdomain), null when there is none;
/// <see cref="Aligned"/> whether SPF or DKIM passed for a domain aligned with it (the white list's test, whatever
/// the policy); <see cref="PolicyApplied"/> false when <c>pct</c> sampled this message out of the policy.
/// </summary>
public sealed record DmarcOutcome(string Result, string? FromDomain, string? Policy, bool Aligned, bool PolicyApplied, string? Reason);
