namespace EmailAI.Storage;

/// <summary>
/// A commit with <see cref="StoreDelivery.RequiresRows"/> found that queue rows it reports on were removed
/// meanwhile (an admin's DELETE); nothing was written. The caller drops the gone rows and tries again.
/// </summary>
public sealed class QueueRowsGoneException(int missing) : Exception($"{missing} queue row(s) no longer exist; nothing was committed.")
{
    /// <summary>How many of the rows named were missing.</summary>
    public int Missing { get; } = missing;
}
