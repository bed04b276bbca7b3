using EmailAI.Contracts;

namespace EmailAI.Grains;

/// <summary>Persisted white list: entries by normalised address.</summary>
[GenerateSerializer]
public sealed class WhiteListState
{
    [Id(0)]
    public Dictionary<string, WhiteListEntry> Entries { get; set; } = new(StringComparer.Ordinal);
}
