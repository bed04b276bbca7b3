namespace EmailAI.Grains.Dns;

/// <summary>
/// The answer to one lookup: its <see cref="Status"/>, the records of the asked type (empty unless
/// <see cref="DnsStatus.Found"/>) and, for a failure, a short description for logs and Authentication-Results.
/// </summary>
public sealed record DnsAnswer<T>(DnsStatus Status, IReadOnlyList<T> Records, string? Error = null)
{
    /// <summary>NXDOMAIN or NODATA: RFC 7208 §4.6.4's "void lookup".</summary>
    public bool IsVoid => Status is DnsStatus.NameNotFound or DnsStatus.NoRecords;

    public static DnsAnswer<T> Failed(string error) => new(DnsStatus.TemporaryFailure, [], error);
}
