using EmailAI.Contracts;

namespace EmailAI.Grains;

/// <summary>
/// The white list as it was stored before it became rows of the white-list table: one grain-state document with
/// every entry by normalised address. Read only so that <see cref="WhiteListGrain"/> can move an existing list into
/// the table at activation and then clear it; nothing writes it any more.
/// </summary>
[GenerateSerializer]
public sealed class WhiteListState
{
    [Id(0)]
    public Dictionary<string, WhiteListEntry> Entries { get; set; } = new(StringComparer.Ordinal);
}
