using System.Security.Cryptography;
using System.Text;
using EmailAI.Protocols.Pop3;

namespace EmailAI.Tests.Pop3;

/// <summary>
/// An in-memory POP3 backend: accounts (user, password, maildrop key), maildrops (uid → stored bytes, sizes
/// are the byte counts), one exclusive lock per maildrop held by a session id, throttled users, and faults
/// for the next calls of each operation. Every call is recorded, including the ones that failed. A
/// successful commit removes the uids and releases the lock, as the real store does.
/// Ships with two accounts: alice / <see cref="AlicePassword"/> and bob / <see cref="BobPassword"/> (spaces).
/// </summary>
public sealed class FakePop3Backend : IPop3Backend
{
    public const string AlicePassword = "wonderland";
    public const string AliceMailbox = "mbx-alice";
    public const string BobPassword = "correct horse battery staple";
    public const string BobMailbox = "mbx-bob";

    /// <summary>The session id <see cref="LockByOtherSession"/> uses.</summary>
    public const string OtherSessionId = "other-session";

    private readonly Dictionary<string, (string Password, string Mailbox)> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<long, byte[]>> _maildrops = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _locks = new(StringComparer.Ordinal);
    private readonly HashSet<string> _throttled = new(StringComparer.Ordinal);
    private readonly List<Pop3Credentials> _authenticateCalls = [];
    private readonly List<(string Mailbox, string SessionId)> _openCalls = [];
    private readonly List<(string Mailbox, long Uid)> _readCalls = [];
    private readonly List<(string Mailbox, string SessionId, long[] Uids)> _commitCalls = [];
    private readonly List<(string Mailbox, string SessionId)> _releaseCalls = [];

    public FakePop3Backend()
    {
        AddAccount("alice", AlicePassword, AliceMailbox);
        AddAccount("bob", BobPassword, BobMailbox);
    }

    public IReadOnlyList<Pop3Credentials> AuthenticateCalls => _authenticateCalls;

    public IReadOnlyList<(string Mailbox, string SessionId)> OpenCalls => _openCalls;

    public IReadOnlyList<(string Mailbox, long Uid)> ReadCalls => _readCalls;

    /// <summary>Every CommitAsync call with the uids it was asked to delete, in order, including failed ones.</summary>
    public IReadOnlyList<(string Mailbox, string SessionId, long[] Uids)> CommitCalls => _commitCalls;

    public IReadOnlyList<(string Mailbox, string SessionId)> ReleaseCalls => _releaseCalls;

    /// <summary>How many of the next AuthenticateAsync calls throw.</summary>
    public int AuthenticateThrowsOnNext { get; set; }

    /// <summary>How many of the next AuthenticateAsync calls answer <see cref="Pop3AuthStatus.TemporaryFailure"/>.</summary>
    public int AuthenticateTemporaryFailureOnNext { get; set; }

    /// <summary>How many of the next OpenAsync calls throw.</summary>
    public int OpenThrowsOnNext { get; set; }

    /// <summary>How many of the next OpenAsync calls answer <see cref="Pop3OpenStatus.TemporaryFailure"/>.</summary>
    public int OpenTemporaryFailureOnNext { get; set; }

    /// <summary>How many of the next OpenAsync calls answer <see cref="Pop3OpenStatus.InUse"/> (a lock held elsewhere).</summary>
    public int OpenInUseOnNext { get; set; }

    /// <summary>How many of the next ReadAsync calls throw.</summary>
    public int ReadThrowsOnNext { get; set; }

    /// <summary>How many of the next ReadAsync calls answer null (the message is gone).</summary>
    public int ReadGoneOnNext { get; set; }

    /// <summary>How many of the next CommitAsync calls throw (nothing removed, lock kept).</summary>
    public int CommitThrowsOnNext { get; set; }

    /// <summary>How many of the next CommitAsync calls answer false (nothing removed, lock kept).</summary>
    public int CommitFailsOnNext { get; set; }

    public void AddAccount(string user, string password, string mailbox)
    {
        _accounts[user] = (password, mailbox);
        if (!_maildrops.ContainsKey(mailbox))
        {
            _maildrops[mailbox] = [];
        }
    }

    public void AddMessage(string mailbox, long uid, byte[] content) => _maildrops[mailbox][uid] = content;

    public void AddMessage(string mailbox, long uid, string content) => AddMessage(mailbox, uid, Encoding.UTF8.GetBytes(content));

    /// <summary>The uids still stored in a maildrop, ascending.</summary>
    public IReadOnlyList<long> StoredUids(string mailbox) => [.. _maildrops[mailbox].Keys];

    /// <summary>The session id holding a maildrop's lock, or null.</summary>
    public string? LockHolder(string mailbox) => _locks.GetValueOrDefault(mailbox);

    public void LockByOtherSession(string mailbox) => _locks[mailbox] = OtherSessionId;

    /// <summary>Logins of this user answer <see cref="Pop3AuthStatus.Throttled"/> without checking the password.</summary>
    public void Throttle(string user) => _throttled.Add(user);

    /// <summary>RFC 1939 §7: lower-case hex MD5 of the timestamp followed by the secret.</summary>
    public static string ApopDigest(string timestamp, string secret) =>
        Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(timestamp + secret))).ToLowerInvariant();

    public ValueTask<Pop3AuthResult> AuthenticateAsync(Pop3Credentials credentials, CancellationToken cancellationToken)
    {
        _authenticateCalls.Add(credentials);
        if (AuthenticateThrowsOnNext > 0)
        {
            AuthenticateThrowsOnNext--;
            throw new IOException("directory unavailable");
        }

        if (AuthenticateTemporaryFailureOnNext > 0)
        {
            AuthenticateTemporaryFailureOnNext--;
            return ValueTask.FromResult(new Pop3AuthResult(Pop3AuthStatus.TemporaryFailure));
        }

        if (_throttled.Contains(credentials.User))
        {
            return ValueTask.FromResult(new Pop3AuthResult(Pop3AuthStatus.Throttled));
        }

        if (!_accounts.TryGetValue(credentials.User, out var account))
        {
            return ValueTask.FromResult(new Pop3AuthResult(Pop3AuthStatus.Failed));
        }

        var valid = credentials.Password is not null
            ? credentials.Password == account.Password
            : credentials.ApopTimestamp is not null && credentials.ApopDigest == ApopDigest(credentials.ApopTimestamp, account.Password);
        return ValueTask.FromResult(valid ? new Pop3AuthResult(Pop3AuthStatus.Succeeded, account.Mailbox) : new Pop3AuthResult(Pop3AuthStatus.Failed));
    }

    public ValueTask<Pop3OpenResult> OpenAsync(string mailbox, string sessionId, CancellationToken cancellationToken)
    {
        _openCalls.Add((mailbox, sessionId));
        if (OpenThrowsOnNext > 0)
        {
            OpenThrowsOnNext--;
            throw new IOException("store unavailable");
        }

        if (OpenTemporaryFailureOnNext > 0)
        {
            OpenTemporaryFailureOnNext--;
            return ValueTask.FromResult(new Pop3OpenResult(Pop3OpenStatus.TemporaryFailure, []));
        }

        if (OpenInUseOnNext > 0)
        {
            OpenInUseOnNext--;
            return ValueTask.FromResult(new Pop3OpenResult(Pop3OpenStatus.InUse, []));
        }

        if (_locks.TryGetValue(mailbox, out var holder) && holder != sessionId)
        {
            return ValueTask.FromResult(new Pop3OpenResult(Pop3OpenStatus.InUse, []));
        }

        _locks[mailbox] = sessionId;
        var snapshot = _maildrops[mailbox].Select(pair => new Pop3Message(pair.Key, pair.Value.Length)).ToArray();
        return ValueTask.FromResult(new Pop3OpenResult(Pop3OpenStatus.Opened, snapshot));
    }

    public ValueTask<ReadOnlyMemory<byte>?> ReadAsync(string mailbox, long uid, CancellationToken cancellationToken)
    {
        _readCalls.Add((mailbox, uid));
        if (ReadThrowsOnNext > 0)
        {
            ReadThrowsOnNext--;
            throw new IOException("blob unavailable");
        }

        if (ReadGoneOnNext > 0)
        {
            ReadGoneOnNext--;
            return ValueTask.FromResult<ReadOnlyMemory<byte>?>(null);
        }

        return ValueTask.FromResult<ReadOnlyMemory<byte>?>(_maildrops[mailbox].TryGetValue(uid, out var content) ? content : null);
    }

    public ValueTask<bool> CommitAsync(string mailbox, string sessionId, IReadOnlyCollection<long> deleteUids, CancellationToken cancellationToken)
    {
        _commitCalls.Add((mailbox, sessionId, [.. deleteUids]));
        if (CommitThrowsOnNext > 0)
        {
            CommitThrowsOnNext--;
            throw new IOException("store unavailable");
        }

        if (CommitFailsOnNext > 0 || LockHolder(mailbox) != sessionId)
        {
            CommitFailsOnNext = Math.Max(0, CommitFailsOnNext - 1);
            return ValueTask.FromResult(false);
        }

        foreach (var uid in deleteUids)
        {
            _maildrops[mailbox].Remove(uid);
        }

        _locks.Remove(mailbox);
        return ValueTask.FromResult(true);
    }

    public ValueTask ReleaseAsync(string mailbox, string sessionId)
    {
        _releaseCalls.Add((mailbox, sessionId));
        if (LockHolder(mailbox) == sessionId)
        {
            _locks.Remove(mailbox);
        }

        return ValueTask.CompletedTask;
    }
}
