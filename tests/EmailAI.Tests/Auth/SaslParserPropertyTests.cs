using System.Text;
using CsCheck;
using EmailAI.Protocols.Auth;

namespace EmailAI.Tests.Auth;

/// <summary>
/// The SASL parsers take whatever a client sends: arbitrary input never throws, and what a well-behaved client
/// encodes parses back to the same values (base64 lines, PLAIN messages, SCRAM client messages).
/// </summary>
public sealed class SaslParserPropertyTests
{
    private static readonly Gen<string> NameText = Gen.String[Gen.Char["abcXYZ09.@-_,=é\u00a0 "], 1, 20];

    private static readonly Gen<string> Nonce = Gen.String[Gen.Char['!', '~'], 1, 40].Where(n => !n.Contains(','));

    [Fact]
    public void TryDecode_ArbitraryText_NeverThrows()
    {
        Gen.String.Sample(text => { _ = SaslBase64.TryDecode(text, out _); });
        Gen.String[Gen.Char["AZaz09+/= \r\n\t*"], 0, 40].Sample(text =>
        {
            _ = SaslBase64.TryDecode(text, out _);
            _ = SaslBase64.TryDecodeInitial(text, out _);
        });
    }

    [Fact]
    public void TryDecode_EncodedBytes_RoundTrip()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            Assert.True(SaslBase64.TryDecode(SaslBase64.Encode(bytes), out var decoded));
            Assert.Equal(bytes, decoded);
        });
    }

    [Fact]
    public void TryDecode_WhitespaceInsideBase64_IsRefused()
    {
        // Convert.FromBase64String would skip the space and accept the line.
        Gen.Select(Gen.Byte.Array[3, 60], Gen.Int[1, 3], Gen.Char[" \t\r\n"]).Sample((bytes, at, space) =>
        {
            var text = SaslBase64.Encode(bytes);
            var spaced = text[..Math.Min(at, text.Length)] + space + text[Math.Min(at, text.Length)..];
            Assert.False(SaslBase64.TryDecode(spaced, out _), spaced);
        });
    }

    [Fact]
    public void PlainTryParse_ArbitraryBytes_NeverThrows()
    {
        Gen.Byte.Array[0, 64].Sample(bytes => { _ = SaslPlainMessage.TryParse(bytes, out _); });
        Gen.Byte[0, 2].Array[0, 12].Sample(bytes => { _ = SaslPlainMessage.TryParse(bytes, out _); });
    }

    [Fact]
    public void PlainTryParse_EncodedMessage_RoundTrips()
    {
        var noNul = Gen.String[Gen.Char.Where(c => c != '\0' && !char.IsSurrogate(c)), 0, 20];
        Gen.Select(noNul, noNul.Where(u => u.Length > 0), noNul.Where(p => p.Length > 0)).Sample((authzid, user, password) =>
        {
            Assert.True(SaslPlainMessage.TryParse(SaslPlainMessage.Encode(authzid, user, password), out var message));
            Assert.Equal((authzid, user, password), (message.AuthorizationId, message.User, message.Password));
            Assert.Equal($"PLAIN authzid={authzid} authcid={user}", message.ToString());
        });
    }

    [Fact]
    public void ScramTryParse_ArbitraryText_NeverThrows()
    {
        var scrammy = Gen.String[Gen.Char["nyp=,armcs=2C3D\0xé"], 0, 30];
        Gen.OneOf(Gen.String, scrammy).Sample(text =>
        {
            _ = ScramClientFirstMessage.TryParse(text, out _, out _);
            _ = ScramClientFinalMessage.TryParse(text, out _, out _);
        });
    }

    [Fact]
    public void ScramClientFirst_EncodedNameAndNonce_RoundTrip()
    {
        Gen.Select(NameText, Nonce, Gen.Bool, Gen.Bool).Sample((user, nonce, withAuthzid, bindingFlag) =>
        {
            var header = (bindingFlag ? "y" : "n") + "," + (withAuthzid ? "a=" + ScramClientFirstMessage.EncodeName(user) : "") + ",";
            var bare = $"n={ScramClientFirstMessage.EncodeName(user)},r={nonce}";
            Assert.True(ScramClientFirstMessage.TryParse(header + bare, out var message, out var error), error);
            Assert.Equal(user, message.User);
            Assert.Equal(withAuthzid ? user : null, message.AuthorizationId);
            Assert.Equal(nonce, message.Nonce);
            Assert.Equal(header, message.Gs2Header);
            Assert.Equal(bare, message.Bare);
        });
    }

    [Fact]
    public void ScramClientFinal_EncodedMessage_RoundTrips()
    {
        Gen.Select(Gen.Byte.Array[0, 20], Nonce, Gen.Byte.Array[1, 40]).Sample((binding, nonce, proof) =>
        {
            var withoutProof = $"c={Convert.ToBase64String(binding)},r={nonce}";
            Assert.True(ScramClientFinalMessage.TryParse($"{withoutProof},p={Convert.ToBase64String(proof)}", out var message, out var error), error);
            Assert.Equal(binding, message.ChannelBinding);
            Assert.Equal(nonce, message.Nonce);
            Assert.Equal(proof, message.Proof);
            Assert.Equal(withoutProof, message.WithoutProof);
        });
    }

    [Fact]
    public async Task Mechanisms_ArbitraryResponses_NeverThrow()
    {
        var verifier = new FakeCredentialVerifier();
        var request = new LoginRequest("SMTP", LoginMechanism.Plain, "", System.Net.IPAddress.Loopback, "s", true);
        var responses = Gen.OneOf(Gen.Byte.Array[0, 40], Gen.String[Gen.Char["nyr=,cp0aA"], 0, 30].Select(Encoding.UTF8.GetBytes)).Array[1, 3];
        await responses.SampleAsync(async list =>
        {
            foreach (var mechanism in new ISaslMechanism[] { new SaslPlain(verifier, request), new SaslLogin(verifier, request), new SaslScramSha256(verifier, request) })
            {
                foreach (var response in list)
                {
                    if ((await mechanism.RespondAsync(response, CancellationToken.None)).IsFinal)
                    {
                        break;
                    }
                }
            }
        }, iter: 200);
    }
}
