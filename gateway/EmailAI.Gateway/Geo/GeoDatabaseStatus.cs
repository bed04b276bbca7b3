namespace EmailAI.Gateway.Geo;

/// <summary>
/// What a node's location database is: the files it was read from, their format (<c>mmdb</c>, <c>csv</c>), how
/// many ranges it holds and when it was loaded; or, when <see cref="Available"/> is false, <see cref="Reason"/>
/// says why country blocking is off on this node. <see cref="LastError"/> is the refusal of the latest file that
/// failed to load (the previous data stays in force), null once a good file is loaded.
/// </summary>
public sealed record GeoDatabaseStatus(
    bool Available,
    IReadOnlyList<string> Sources,
    string? Format,
    int Ranges,
    DateTimeOffset? LoadedAt,
    string? Reason,
    string? LastError)
{
    public static GeoDatabaseStatus Off(string reason) => new(false, [], null, 0, null, reason, null);
}
