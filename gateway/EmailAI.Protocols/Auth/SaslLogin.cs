using System.Text;

namespace EmailAI.Protocols.Auth;

/// <summary>
/// SASL LOGIN (draft-murchison-sasl-login), server side: the challenges <c>Username:</c> and <c>Password:</c>,
/// each answered by one response. An initial response is the user name (as Outlook and others send it).
/// </summary>
public sealed class SaslLogin(ICredentialVerifier verifier, LoginRequest request) : ISaslMechanism
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private string? _user;
    private bool _done;

    public string Name => "LOGIN";

    public SaslStep Start() => SaslStep.Next("Username:"u8.ToArray());

    public async ValueTask<SaslStep> RespondAsync(byte[] response, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (!TryDecode(response, out var text))
        {
            _done = true;
            return SaslStep.Malformed(_user is null ? "LOGIN user name is empty, not UTF-8 or has a NUL" : "LOGIN password is empty, not UTF-8 or has a NUL", _user);
        }

        if (_user is null)
        {
            _user = text;
            return SaslStep.Next("Password:"u8.ToArray(), _user);
        }

        _done = true;
        var result = await verifier.VerifyPasswordAsync(request with { Mechanism = LoginMechanism.Login, User = _user }, text, cancellationToken);
        return SaslStep.FromLogin(result.Status, _user, result.Account);
    }

    private static bool TryDecode(byte[] response, out string text)
    {
        text = "";
        if (response.Length == 0 || Array.IndexOf(response, (byte)0) >= 0)
        {
            return false;
        }

        try
        {
            text = StrictUtf8.GetString(response);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
