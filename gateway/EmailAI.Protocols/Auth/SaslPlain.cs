namespace EmailAI.Protocols.Auth;

/// <summary>
/// SASL PLAIN (RFC 4616), server side: one response carries the whole message. No proxy authorisation: an
/// authzid other than the authcid fails like a wrong password, without asking the verifier.
/// </summary>
public sealed class SaslPlain(ICredentialVerifier verifier, LoginRequest request) : ISaslMechanism
{
    private bool _done;

    public string Name => "PLAIN";

    /// <summary>RFC 4616 §2: the server's first challenge is empty.</summary>
    public SaslStep Start() => SaslStep.Next([]);

    public async ValueTask<SaslStep> RespondAsync(byte[] response, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        if (!SaslPlainMessage.TryParse(response, out var message))
        {
            return SaslStep.Malformed("PLAIN response is not authzid NUL authcid NUL password");
        }

        if (message.IsProxyAuthorization)
        {
            return new SaslStep(SaslOutcome.Failed, User: message.User, Reason: "proxy authorisation (authzid other than authcid) is not offered");
        }

        var result = await verifier.VerifyPasswordAsync(request with { Mechanism = LoginMechanism.Plain, User = message.User }, message.Password, cancellationToken);
        return SaslStep.FromLogin(result.Status, message.User, result.Account);
    }
}
