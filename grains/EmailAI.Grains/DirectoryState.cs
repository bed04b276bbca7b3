namespace EmailAI.Grains;

/// <summary>Persisted list of local domain names.</summary>
[GenerateSerializer]
public sealed class DirectoryState
{
    [Id(0)]
    public HashSet<string> Domains { get; set; } = [];
}
