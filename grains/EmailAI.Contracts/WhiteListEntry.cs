namespace EmailAI.Contracts;

/// <summary>One white-listed address: when and how it was added, and when mail from it last matched.</summary>
[GenerateSerializer, Immutable]
public sealed record WhiteListEntry(string Address, DateTimeOffset AddedAt, string Source, DateTimeOffset? LastMatchedAt);
