namespace EmailAI.Contracts;

/// <summary>
/// The message store ran out of space (SQLite's SQLITE_FULL — a full disk, or the database's configured size
/// limit — or PostgreSQL's disk_full, SQLSTATE 53100): nothing of the write is durable. Temporary by nature; SMTP
/// answers it <c>452 4.3.1 Insufficient system storage</c> (RFC 3463 §3.4) so the client retries later. Thrown by
/// the stores and carried across grain calls as it is (without its inner exception: the store logs the cause). <c>StorageErrors.IsOutOfSpace</c> in
/// EmailAI.Storage recognises the providers' errors.
/// </summary>
[GenerateSerializer]
public sealed class InsufficientStorageException : Exception
{
    public InsufficientStorageException()
        : this("The message store is out of space.")
    {
    }

    public InsufficientStorageException(string message)
        : base(message)
    {
    }

    public InsufficientStorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
