namespace EmailAI.Grains.WhiteList;

/// <summary>
/// The auto white list (<c>EmailAI:WhiteList</c>, a silo setting). Each account's list is loaded whole into its
/// grain's memory, so that the inbound check costs no I/O; the bound keeps that memory, and the rows one account
/// can make, finite however much mail the account relays (every relayed recipient becomes an entry).
/// </summary>
public sealed class WhiteListOptions
{
    public const string Section = "EmailAI:WhiteList";

    /// <summary>
    /// Most entries one account's list holds. An add that would pass it evicts the entries matched least recently
    /// (an entry never matched counts from when it was added), with a log line naming the account. Default 10,000.
    /// </summary>
    public int MaxEntries { get; set; } = 10_000;
}
