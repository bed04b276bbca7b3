using System.Security.Cryptography;
using System.Text;

namespace EmailAI.Grains;

/// <summary>
/// The auth cache of one account (the idea of Dovecot's auth_cache): after a password verified against the
/// slow hash, an HMAC-SHA256 of it under a key that exists only in this process's memory is kept until a
/// deadline. A login with the same password before then is checked against that, in constant time. A wrong
/// password always goes to the slow hash, so guessing costs as much as ever; nothing is ever written out.
/// </summary>
public sealed class RecentLogins(TimeProvider time)
{
    private static readonly byte[] ProcessKey = RandomNumberGenerator.GetBytes(32);

    private byte[]? _verifier;
    private DateTimeOffset _until;

    public bool Matches(string password) =>
        _verifier is not null && time.GetUtcNow() < _until
        && CryptographicOperations.FixedTimeEquals(_verifier, Mac(password));

    public void Remember(string password, TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return;
        }

        _verifier = Mac(password);
        _until = time.GetUtcNow() + duration;
    }

    public void Forget() => _verifier = null;

    private static byte[] Mac(string password) => HMACSHA256.HashData(ProcessKey, Encoding.UTF8.GetBytes(password));
}
