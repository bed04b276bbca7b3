using EmailAI.Protocols.Auth;

namespace EmailAI.Tests.Auth;

/// <summary>
/// A credential verifier with a fixed set of accounts (password, and SCRAM keys derived at 4096 iterations, the
/// RFC 7677 minimum, so tests stay fast). Accounts are found ignoring case and answered in lower case. Records
/// every call; can be told to answer a status or throw for the next calls.
/// </summary>
public sealed class FakeCredentialVerifier : ICredentialVerifier
{
    public const int Iterations = 4096;

    private readonly Dictionary<string, (string Password, byte[] Salt, byte[] StoredKey, byte[] ServerKey)> _accounts = new(StringComparer.OrdinalIgnoreCase);

    public FakeCredentialVerifier()
    {
        Add("alice@example.com", "correct horse");
    }

    /// <summary>Every call in order: the request and, for passwords, the password it was given.</summary>
    public List<(LoginRequest Request, string? Password)> Calls { get; } = [];

    /// <summary>The status the next calls answer instead of checking (Throttled, TemporaryFailure).</summary>
    public Queue<LoginStatus> NextStatus { get; } = new();

    /// <summary>How many of the next calls throw.</summary>
    public int ThrowOnNext { get; set; }

    public void Add(string user, string password, byte[]? salt = null, int iterations = Iterations)
    {
        salt ??= System.Security.Cryptography.RandomNumberGenerator.GetBytes(ScramSha256.SaltBytes);
        var (storedKey, serverKey) = ScramSha256.DeriveKeys(password, salt, iterations);
        _accounts[user] = (password, salt, storedKey, serverKey);
    }

    public ValueTask<LoginResult> VerifyPasswordAsync(LoginRequest request, string password, CancellationToken cancellationToken)
    {
        Calls.Add((request, password));
        if (Override() is { } status)
        {
            return ValueTask.FromResult(new LoginResult(status));
        }

        return ValueTask.FromResult(_accounts.TryGetValue(request.User, out var account) && account.Password == password
            ? new LoginResult(LoginStatus.Succeeded, request.User.ToLowerInvariant())
            : new LoginResult(LoginStatus.Failed));
    }

    public ValueTask<ScramParameters> GetScramParametersAsync(LoginRequest request, CancellationToken cancellationToken)
    {
        Calls.Add((request, null));
        return ValueTask.FromResult(_accounts.TryGetValue(request.User, out var account)
            ? new ScramParameters(account.Salt, Iterations)
            : new ScramParameters(new byte[ScramSha256.SaltBytes], Iterations));
    }

    public ValueTask<ScramResult> VerifyScramAsync(LoginRequest request, string authMessage, byte[] clientProof, CancellationToken cancellationToken)
    {
        Calls.Add((request, null));
        if (Override() is { } status)
        {
            return ValueTask.FromResult(new ScramResult(status));
        }

        if (_accounts.TryGetValue(request.User, out var account) && ScramSha256.VerifyProof(account.StoredKey, authMessage, clientProof))
        {
            return ValueTask.FromResult(new ScramResult(LoginStatus.Succeeded, request.User.ToLowerInvariant(), ScramSha256.ServerSignature(account.ServerKey, authMessage)));
        }

        return ValueTask.FromResult(new ScramResult(LoginStatus.Failed));
    }

    private LoginStatus? Override()
    {
        if (ThrowOnNext > 0)
        {
            ThrowOnNext--;
            throw new TimeoutException("grain call timed out");
        }

        return NextStatus.Count > 0 ? NextStatus.Dequeue() : null;
    }
}
