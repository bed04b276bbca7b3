namespace EmailAI.Tests.Fuzz;

/// <summary>
/// What one run of a case produced: the normalised transcript (replies, then commits), the invariants it broke
/// and the reply codes it saw (for the coverage figures).
/// </summary>
public sealed record FuzzOutcome(string Transcript, IReadOnlyList<string> Violations, IReadOnlyCollection<string> Codes);
