using System.Text;
using EmailAI.Protocols.Auth;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// The one account the SMTP fuzz logs in as, and a complete SCRAM-SHA-256 exchange for it computed ahead: the salt
/// and both nonces are fixed (the session's SCRAM seam takes <see cref="ServerNonce"/>), so the client's proof over
/// the RFC 5802 §3 AuthMessage is known before the case runs and the same bytes can be replayed.
/// </summary>
public static class FuzzCredentials
{
    public const string User = "alice@example.com";
    public const string Password = "correct horse";
    public const string ClientNonce = "fyko+d2lbbFgONRv9qkxdawL";
    public const string ServerNonce = "3rfcNHYJY1ZVvWVs7j";

    /// <summary>The account's SCRAM salt.</summary>
    public static readonly byte[] Salt = [.. Enumerable.Range(1, ScramSha256.SaltBytes).Select(i => (byte)(i * 37))];

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public static string Plain(string user, string password) => Base64("\0" + user + "\0" + password);

    public static string ScramClientFirst(string user) => Base64("n,,n=" + user + ",r=" + ClientNonce);

    /// <summary>The client-final message for <see cref="User"/>, with the right proof or a wrong one.</summary>
    public static string ScramClientFinal(bool rightProof) => rightProof ? RightFinal.Value : WrongFinal.Value;

    private static readonly Lazy<string> RightFinal = new(() => Final(Password));

    private static readonly Lazy<string> WrongFinal = new(() => Final("wrong horse"));

    private static string Final(string password)
    {
        var withoutProof = $"c=biws,r={ClientNonce}{ServerNonce}";
        var serverFirst = $"r={ClientNonce}{ServerNonce},s={Convert.ToBase64String(Salt)},i={FakeIterations}";
        var authMessage = $"n={User},r={ClientNonce},{serverFirst},{withoutProof}";
        var proof = ScramSha256.ClientProof(password, Salt, FakeIterations, authMessage);
        return Base64(withoutProof + ",p=" + Convert.ToBase64String(proof));
    }

    private const int FakeIterations = 4096;
}
