namespace EmailAI.Storage;

/// <summary>What an <see cref="IWhiteListStore.AddAsync"/> changed: the addresses inserted and the addresses evicted to keep the bound.</summary>
public sealed record WhiteListAddition(IReadOnlyList<string> Added, IReadOnlyList<string> Evicted)
{
    public static readonly WhiteListAddition None = new([], []);
}
