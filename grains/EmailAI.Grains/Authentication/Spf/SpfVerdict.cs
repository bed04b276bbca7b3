namespace EmailAI.Grains.Authentication.Spf;

/// <summary>What one check_host() level answers: the result, why, and the expanded <c>exp=</c> text (fail only).</summary>
internal sealed record SpfVerdict(SpfResult Result, string Reason, string? Explanation);
