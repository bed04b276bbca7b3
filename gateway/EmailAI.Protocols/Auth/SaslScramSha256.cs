using System.Security.Cryptography;
using System.Text;

namespace EmailAI.Protocols.Auth;

/// <summary>
/// SCRAM-SHA-256 (RFC 5802, RFC 7677), server side, without channel binding. Exchange: client-first →
/// server-first (<c>r=</c> client nonce + ours, <c>s=</c>, <c>i=</c>) → client-final → server-final. A
/// server-final is a final step with a challenge: <c>v=</c> ServerSignature on success, <c>e=</c> an RFC 5802
/// error when the client-final is wrong (proof, channel binding, nonce). Errors in the client-first message
/// cannot be answered with <c>e=</c> (the server-first has no error form) and end the exchange as malformed.
/// </summary>
public sealed class SaslScramSha256 : ISaslMechanism
{
    /// <summary>Random octets in the server's part of the nonce (base64: 32 characters).</summary>
    public const int ServerNonceBytes = 24;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ICredentialVerifier _verifier;
    private readonly LoginRequest _request;
    private readonly string _serverNonce;
    private ScramClientFirstMessage? _first;
    private string? _serverFirst;
    private bool _done;

    /// <summary>
    /// <paramref name="serverNonce"/> replaces the random server nonce: for test vectors only (RFC 7677 §3); a
    /// predictable nonce lets a recorded exchange be replayed.
    /// </summary>
    public SaslScramSha256(ICredentialVerifier verifier, LoginRequest request, string? serverNonce = null)
    {
        _verifier = verifier;
        _request = request with { Mechanism = LoginMechanism.ScramSha256 };
        _serverNonce = serverNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(ServerNonceBytes));
    }

    public string Name => "SCRAM-SHA-256";

    /// <summary>The client speaks first (RFC 5802 §5): an empty challenge.</summary>
    public SaslStep Start() => SaslStep.Next([]);

    public async ValueTask<SaslStep> RespondAsync(byte[] response, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        string text;
        try
        {
            text = StrictUtf8.GetString(response);
        }
        catch (DecoderFallbackException)
        {
            _done = true;
            return SaslStep.Malformed("SCRAM message is not UTF-8", _first?.User, _first is null ? null : Error("invalid-encoding"));
        }

        return _first is null ? await FirstAsync(text, cancellationToken) : await FinalAsync(text, cancellationToken);
    }

    private async ValueTask<SaslStep> FirstAsync(string text, CancellationToken cancellationToken)
    {
        if (!ScramClientFirstMessage.TryParse(text, out var first, out var error))
        {
            _done = true;
            return SaslStep.Malformed("SCRAM client-first-message: " + error);
        }

        if (first.AuthorizationId is not null && first.AuthorizationId != first.User)
        {
            _done = true;
            return new SaslStep(SaslOutcome.Failed, User: first.User, Reason: "proxy authorisation (a= other than n=) is not offered");
        }

        var parameters = await _verifier.GetScramParametersAsync(_request with { User = first.User }, cancellationToken);
        _first = first;
        _serverFirst = $"r={first.Nonce}{_serverNonce},s={Convert.ToBase64String(parameters.Salt)},i={parameters.Iterations}";
        return SaslStep.Next(Encoding.UTF8.GetBytes(_serverFirst), first.User);
    }

    private async ValueTask<SaslStep> FinalAsync(string text, CancellationToken cancellationToken)
    {
        _done = true;
        var first = _first!;
        if (!ScramClientFinalMessage.TryParse(text, out var final, out var error))
        {
            return SaslStep.Malformed("SCRAM client-final-message: " + error, first.User, Error(error));
        }

        // RFC 5802 §5.1: without channel binding, c= is the base64 of the gs2 header the client sent first.
        if (!final.ChannelBinding.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(first.Gs2Header)))
        {
            return SaslStep.Malformed("SCRAM c= is not the gs2 header", first.User, Error("channel-bindings-dont-match"));
        }

        if (final.Nonce != first.Nonce + _serverNonce)
        {
            return SaslStep.Malformed("SCRAM r= is not the combined nonce", first.User, Error("other-error"));
        }

        var authMessage = $"{first.Bare},{_serverFirst},{final.WithoutProof}";
        var result = await _verifier.VerifyScramAsync(_request with { User = first.User }, authMessage, final.Proof, cancellationToken);
        if (result.Status == LoginStatus.Succeeded && result.ServerSignature is { } signature)
        {
            return SaslStep.FromLogin(result.Status, first.User, result.Account, Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(signature)));
        }

        if (result.Status == LoginStatus.Succeeded)
        {
            return new SaslStep(SaslOutcome.TemporaryFailure, User: first.User, Reason: "credential verifier gave no server signature");
        }

        return SaslStep.FromLogin(result.Status, first.User, result.Account, result.Status == LoginStatus.Failed ? Error("invalid-proof") : null);
    }

    private static byte[] Error(string name) => Encoding.UTF8.GetBytes("e=" + name);
}
