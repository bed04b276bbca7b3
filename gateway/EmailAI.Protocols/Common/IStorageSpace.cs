namespace EmailAI.Protocols.Common;

/// <summary>
/// Whether the node's message store is short of space, as a session asks before it takes a message: SMTP answers
/// MAIL <c>452 4.3.1</c> while <see cref="IsLow"/> (Postfix refuses MAIL the same way when its queue file system has
/// less than 1.5 × message_size_limit free). Cheap to ask on every MAIL and safe from any thread.
/// </summary>
public interface IStorageSpace
{
    /// <summary>True while free space is under the configured threshold.</summary>
    bool IsLow { get; }
}
