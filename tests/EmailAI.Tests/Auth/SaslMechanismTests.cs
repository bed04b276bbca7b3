using System.Net;
using System.Text;
using CsCheck;
using EmailAI.Protocols.Auth;

namespace EmailAI.Tests.Auth;

/// <summary>The server-side mechanisms on their own: each step's challenge and outcome, and what reaches the verifier.</summary>
public sealed class SaslMechanismTests
{
    private static readonly LoginRequest Request = new("SMTP", LoginMechanism.Plain, "", IPAddress.Parse("192.0.2.10"), "s1", true);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Plain_RightPassword_SucceedsWithTheVerifiersAccount()
    {
        var verifier = new FakeCredentialVerifier();
        var plain = new SaslPlain(verifier, Request);

        Assert.Equal([], plain.Start().Challenge!);
        var step = await plain.RespondAsync(SaslPlainMessage.Encode("", "Alice@Example.com", "correct horse"), CancellationToken.None);

        Assert.Equal(SaslOutcome.Succeeded, step.Outcome);
        Assert.Equal("alice@example.com", step.Account);
        var (request, password) = Assert.Single(verifier.Calls);
        Assert.Equal((LoginMechanism.Plain, "Alice@Example.com", "correct horse"), (request.Mechanism, request.User, password));
    }

    [Theory]
    [InlineData("", "alice@example.com", "wrong", SaslOutcome.Failed)]
    [InlineData("ALICE@example.com", "alice@example.com", "correct horse", SaslOutcome.Succeeded)]
    [InlineData("bob@example.com", "alice@example.com", "correct horse", SaslOutcome.Failed)]
    public async Task Plain_Authzid_OnlyTheUserItself(string authzid, string user, string password, SaslOutcome expected)
    {
        var verifier = new FakeCredentialVerifier();

        var step = await new SaslPlain(verifier, Request).RespondAsync(SaslPlainMessage.Encode(authzid, user, password), CancellationToken.None);

        Assert.Equal(expected, step.Outcome);
        // Proxy authorisation is refused without asking the verifier (it is not a password guess).
        Assert.Equal(authzid.StartsWith("bob", StringComparison.Ordinal) ? 0 : 1, verifier.Calls.Count);
    }

    [Theory]
    [InlineData("alice\0pw")]
    [InlineData("\0\0pw")]
    [InlineData("\0alice\0")]
    [InlineData("\0alice\0pw\0")]
    [InlineData("")]
    public async Task Plain_NotThreeFields_MalformedAndNotChecked(string message)
    {
        var verifier = new FakeCredentialVerifier();

        var step = await new SaslPlain(verifier, Request).RespondAsync(Utf8(message), CancellationToken.None);

        Assert.Equal(SaslOutcome.Malformed, step.Outcome);
        Assert.Empty(verifier.Calls);
    }

    [Fact]
    public async Task Plain_InvalidUtf8_Malformed()
    {
        var step = await new SaslPlain(new FakeCredentialVerifier(), Request).RespondAsync([0, (byte)'a', 0, 0xC3, 0x28], CancellationToken.None);

        Assert.Equal(SaslOutcome.Malformed, step.Outcome);
    }

    [Theory]
    [InlineData(LoginStatus.Throttled, SaslOutcome.Throttled)]
    [InlineData(LoginStatus.TemporaryFailure, SaslOutcome.TemporaryFailure)]
    public async Task Plain_VerifierCannotCheck_PassesItsStatusOn(LoginStatus status, SaslOutcome expected)
    {
        var verifier = new FakeCredentialVerifier();
        verifier.NextStatus.Enqueue(status);

        var step = await new SaslPlain(verifier, Request).RespondAsync(SaslPlainMessage.Encode("", "alice@example.com", "correct horse"), CancellationToken.None);

        Assert.Equal(expected, step.Outcome);
        Assert.Null(step.Account);
    }

    [Fact]
    public async Task Login_UsernameThenPassword_Succeeds()
    {
        var verifier = new FakeCredentialVerifier();
        var login = new SaslLogin(verifier, Request);

        Assert.Equal("Username:", Encoding.ASCII.GetString(login.Start().Challenge!));
        var second = await login.RespondAsync(Utf8("alice@example.com"), CancellationToken.None);
        Assert.Equal((SaslOutcome.Continue, "Password:"), (second.Outcome, Encoding.ASCII.GetString(second.Challenge!)));
        Assert.Empty(verifier.Calls);
        var final = await login.RespondAsync(Utf8("correct horse"), CancellationToken.None);

        Assert.Equal((SaslOutcome.Succeeded, "alice@example.com"), (final.Outcome, final.Account));
        Assert.Equal(LoginMechanism.Login, Assert.Single(verifier.Calls).Request.Mechanism);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a\0b")]
    public async Task Login_EmptyOrNulUser_Malformed(string user)
    {
        var step = await new SaslLogin(new FakeCredentialVerifier(), Request).RespondAsync(Utf8(user), CancellationToken.None);

        Assert.Equal(SaslOutcome.Malformed, step.Outcome);
    }

    // RFC 7677 §3.
    private const string VectorClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private const string VectorServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private const string VectorServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string VectorClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string VectorServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    public static FakeCredentialVerifier VectorVerifier()
    {
        var verifier = new FakeCredentialVerifier();
        verifier.Add("user", "pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="));
        return verifier;
    }

    [Fact]
    public async Task Scram_Rfc7677TestVector_ExactServerMessages()
    {
        var scram = new SaslScramSha256(VectorVerifier(), Request, VectorServerNonce);

        Assert.Equal([], scram.Start().Challenge!);
        var first = await scram.RespondAsync(Utf8(VectorClientFirst), CancellationToken.None);
        Assert.Equal((SaslOutcome.Continue, VectorServerFirst), (first.Outcome, Encoding.UTF8.GetString(first.Challenge!)));
        var final = await scram.RespondAsync(Utf8(VectorClientFinal), CancellationToken.None);

        Assert.Equal((SaslOutcome.Succeeded, "user", VectorServerFinal), (final.Outcome, final.Account, Encoding.UTF8.GetString(final.Challenge!)));
    }

    [Fact]
    public async Task Scram_Rfc7677ClientProof_MatchesScramSha256ClientProof()
    {
        var authMessage = $"n=user,r=rOprNGfwEbeRWgbNEkqO,{VectorServerFirst},c=biws,r=rOprNGfwEbeRWgbNEkqO{VectorServerNonce}";
        var proof = ScramSha256.ClientProof("pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096, authMessage);

        Assert.Equal("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", Convert.ToBase64String(proof));
        await Task.CompletedTask;
    }

    /// <summary>Runs a client through the exchange; returns the final step. <paramref name="final"/> shapes the client-final.</summary>
    public static async Task<SaslStep> ScramExchangeAsync(ISaslMechanism scram, string user, string password, string gs2 = "n,,", Func<string, string, string>? final = null)
    {
        var clientNonce = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18));
        var bare = $"n={ScramClientFirstMessage.EncodeName(user)},r={clientNonce}";
        var first = await scram.RespondAsync(Utf8(gs2 + bare), CancellationToken.None);
        Assert.Equal(SaslOutcome.Continue, first.Outcome);
        var serverFirst = Encoding.UTF8.GetString(first.Challenge!);
        var fields = serverFirst.Split(',');
        var nonce = fields[0][2..];
        Assert.StartsWith(clientNonce, nonce, StringComparison.Ordinal);
        var withoutProof = final?.Invoke(gs2, nonce) ?? $"c={Convert.ToBase64String(Utf8(gs2))},r={nonce}";
        var proof = ScramSha256.ClientProof(password, Convert.FromBase64String(fields[1][2..]), int.Parse(fields[2][2..], System.Globalization.CultureInfo.InvariantCulture), $"{bare},{serverFirst},{withoutProof}");
        return await scram.RespondAsync(Utf8($"{withoutProof},p={Convert.ToBase64String(proof)}"), CancellationToken.None);
    }

    [Fact]
    public async Task Scram_RandomPasswordsAndNames_SucceedOnlyWithTheRightPassword()
    {
        var password = Gen.String[Gen.Char[' ', '~'], 1, 24];
        await Gen.Select(Gen.String[Gen.Char["abc,=xyz@."], 1, 12], password, password).SampleAsync(async (user, right, guess) =>
        {
            var verifier = new FakeCredentialVerifier();
            verifier.Add(user, right);
            var verifierFor = new SaslScramSha256(verifier, Request);

            var step = await ScramExchangeAsync(verifierFor, user, guess);

            Assert.Equal(right == guess ? SaslOutcome.Succeeded : SaslOutcome.Failed, step.Outcome);
            Assert.Equal(right == guess ? "v=" : "e=invalid-proof", Encoding.UTF8.GetString(step.Challenge!)[..(right == guess ? 2 : 15)]);
            Assert.All(verifier.Calls, call => Assert.Equal((LoginMechanism.ScramSha256, user), (call.Request.Mechanism, call.Request.User)));
        }, iter: 25);
    }

    [Fact]
    public async Task Scram_ServerNonce_Is24RandomBytesInBase64()
    {
        var nonces = new HashSet<string>();
        for (var i = 0; i < 5; i++)
        {
            var step = await new SaslScramSha256(new FakeCredentialVerifier(), Request).RespondAsync(Utf8("n,,n=alice@example.com,r=abc"), CancellationToken.None);
            var nonce = Encoding.UTF8.GetString(step.Challenge!).Split(',')[0][5..];
            Assert.Equal(24, Convert.FromBase64String(nonce).Length);
            nonces.Add(nonce);
        }

        Assert.Equal(5, nonces.Count);
    }

    [Fact]
    public async Task Scram_GsFlagY_Accepted()
    {
        var step = await ScramExchangeAsync(new SaslScramSha256(VectorVerifier(), Request), "user", "pencil", gs2: "y,,");

        Assert.Equal(SaslOutcome.Succeeded, step.Outcome);
    }

    [Fact]
    public async Task Scram_AuthzidEqualToUser_Accepted()
    {
        var step = await ScramExchangeAsync(new SaslScramSha256(VectorVerifier(), Request), "user", "pencil", gs2: "n,a=user,");

        Assert.Equal(SaslOutcome.Succeeded, step.Outcome);
    }

    [Theory]
    [InlineData("p=tls-unique,,n=user,r=abc", SaslOutcome.Malformed, "channel-binding-not-supported")]
    [InlineData("n,,m=ext,n=user,r=abc", SaslOutcome.Malformed, "extensions-not-supported")]
    [InlineData("n,,n=us=2Xer,r=abc", SaslOutcome.Malformed, "invalid-username-encoding")]
    [InlineData("n,,n=user", SaslOutcome.Malformed, "invalid-encoding")]
    [InlineData("n,,r=abc,n=user", SaslOutcome.Malformed, "invalid-encoding")]
    [InlineData("x,,n=user,r=abc", SaslOutcome.Malformed, "invalid-encoding")]
    [InlineData("n,,n=user,r=a,b", SaslOutcome.Malformed, "invalid-encoding")]
    [InlineData("n,a=other,n=user,r=abc", SaslOutcome.Failed, "proxy authorisation")]
    public async Task Scram_BadClientFirst_EndsWithoutServerFirst(string clientFirst, SaslOutcome expected, string reason)
    {
        var verifier = VectorVerifier();

        var step = await new SaslScramSha256(verifier, Request).RespondAsync(Utf8(clientFirst), CancellationToken.None);

        Assert.Equal(expected, step.Outcome);
        Assert.Null(step.Challenge);
        Assert.Contains(reason, step.Reason, StringComparison.Ordinal);
        Assert.Empty(verifier.Calls);
    }

    [Fact]
    public async Task Scram_EscapedName_DecodedForTheVerifier()
    {
        var verifier = new FakeCredentialVerifier();
        verifier.Add("a,b=c", "pw");

        var step = await ScramExchangeAsync(new SaslScramSha256(verifier, Request), "a,b=c", "pw");

        Assert.Equal(SaslOutcome.Succeeded, step.Outcome);
        Assert.Equal("a,b=c", verifier.Calls[0].Request.User);
    }

    [Theory]
    [InlineData("channel-bindings-dont-match")]
    [InlineData("other-error")]
    public async Task Scram_WrongBindingOrNonce_ServerFinalError(string error)
    {
        var verifier = VectorVerifier();

        var step = await ScramExchangeAsync(new SaslScramSha256(verifier, Request), "user", "pencil", final: (gs2, nonce) => error == "other-error"
            ? $"c={Convert.ToBase64String(Utf8(gs2))},r={nonce}x"
            : $"c={Convert.ToBase64String(Utf8("y,,"))},r={nonce}");

        Assert.Equal((SaslOutcome.Malformed, "e=" + error), (step.Outcome, Encoding.UTF8.GetString(step.Challenge!)));
        // Only the parameters were asked for: a proof over the wrong messages is never checked.
        Assert.Single(verifier.Calls);
    }

    [Fact]
    public async Task Scram_VerifierThrottles_NoServerFinal()
    {
        var verifier = VectorVerifier();
        verifier.NextStatus.Enqueue(LoginStatus.Throttled);

        var step = await ScramExchangeAsync(new SaslScramSha256(verifier, Request), "user", "pencil");

        Assert.Equal(SaslOutcome.Throttled, step.Outcome);
        Assert.Null(step.Challenge);
    }
}
