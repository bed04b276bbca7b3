using CsCheck;
using EmailAI.Protocols.Auth;
using EmailAI.Protocols.Smtp;
using EmailAI.Tests.Smtp;
using EmailAI.Tests.Transcripts;
using static EmailAI.Tests.Auth.SmtpAuthHarness;

namespace EmailAI.Tests.Auth;

/// <summary>SMTP AUTH (RFC 4954) replayed at every read size: each reply of the exchange, and what reaches the verifier.</summary>
public sealed class SmtpAuthTests
{
    private static async Task<SmtpTestHarness> RunAsync(string transcript, int chunkSize, SmtpTestHarness? harness = null)
    {
        harness ??= Create();
        await harness.RunAsync(Transcript.Parse(transcript), chunkSize);
        return harness;
    }

    [Theory, ChunkSizes]
    public async Task AuthPlain_InitialResponse_235AndTheSessionIsTheAccount(int chunkSize)
    {
        var harness = await RunAsync(Authenticated + """

            C: MAIL FROM:<alice@example.com>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<bob@example.com>
            S: 250 2.1.5 Recipient OK
            """, chunkSize);

        Assert.Equal("alice@example.com", harness.Session.Info.AuthenticatedIdentity);
        // The recipient policy (the silo's relay rules) is told who authenticated.
        Assert.Equal("alice@example.com", Assert.Single(harness.Policy.Calls).Session.AuthenticatedIdentity);
        var verifier = (FakeCredentialVerifier)harness.Session.Context.Credentials!;
        var (request, password) = Assert.Single(verifier.Calls);
        Assert.Equal(("SMTP", LoginMechanism.Plain, "alice@example.com", "correct horse", true, SmtpTestHarness.SessionId),
            (request.Protocol, request.Mechanism, request.User, password, request.Tls, request.SessionId));
    }

    [Theory, ChunkSizes]
    public async Task AuthPlain_NoInitialResponse_EmptyChallengeThenResponse(int chunkSize)
    {
        var harness = await RunAsync(EhloWithAuth + $"""

            C: auth plain
            S: 334 
            C: {AlicePlain}
            S: 235 2.7.0 Authentication successful
            """, chunkSize);

        Assert.True(harness.Session.Info.Authenticated);
    }

    [Theory, ChunkSizes]
    public async Task AuthLogin_UsernameAndPasswordChallenges_235(int chunkSize)
    {
        var harness = await RunAsync(EhloWithAuth + $"""

            C: AUTH LOGIN
            S: 334 VXNlcm5hbWU6
            C: {Base64("alice@example.com")}
            S: 334 UGFzc3dvcmQ6
            C: {Base64("correct horse")}
            S: 235 2.7.0 Authentication successful
            """, chunkSize);

        Assert.Equal("alice@example.com", harness.Session.Info.AuthenticatedIdentity);
    }

    [Theory, ChunkSizes]
    public async Task AuthLogin_InitialResponseIsTheUser_AsksForThePassword(int chunkSize)
    {
        await RunAsync(EhloWithAuth + $"""

            C: AUTH LOGIN {Base64("alice@example.com")}
            S: 334 UGFzc3dvcmQ6
            C: {Base64("correct horse")}
            S: 235 2.7.0 Authentication successful
            """, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Auth_WrongPassword_535AndNotAuthenticated(int chunkSize)
    {
        var harness = await RunAsync(EhloWithAuth + $"""

            C: AUTH PLAIN {Base64("\0alice@example.com\0wrong")}
            S: 535 5.7.8 Authentication credentials invalid
            C: AUTH LOGIN
            S: 334 VXNlcm5hbWU6
            C: {Base64("nobody@example.com")}
            S: 334 UGFzc3dvcmQ6
            C: {Base64("correct horse")}
            S: 535 5.7.8 Authentication credentials invalid
            C: AUTH PLAIN {Base64("bob@example.com\0alice@example.com\0correct horse")}
            S: 535 5.7.8 Authentication credentials invalid
            """, chunkSize);

        Assert.False(harness.Session.Info.Authenticated);
        Assert.Equal(3, harness.Session.Counts.Errors);
    }

    [Theory, ChunkSizes]
    public async Task Auth_FailedAttempts_CountTowardMaxErrors(int chunkSize)
    {
        var wrong = Base64("\0alice@example.com\0guess");
        var harness = await RunAsync(EhloWithAuth + $"""

            C: AUTH PLAIN {wrong}
            S: 535 5.7.8 Authentication credentials invalid
            C: AUTH PLAIN {wrong}
            S: 535 5.7.8 Authentication credentials invalid
            C: AUTH PLAIN {wrong}
            S: 535 5.7.8 Authentication credentials invalid
            S: 421 4.7.0 Too many errors, closing connection
            C: AUTH PLAIN {AlicePlain}
            """, chunkSize, Create(configure: o => o.MaxErrors = 3));

        Assert.True(harness.Session.IsClosed);
        Assert.Equal(3, ((FakeCredentialVerifier)harness.Session.Context.Credentials!).Calls.Count);
        Assert.False(harness.Session.Info.Authenticated);
    }

    [Theory, ChunkSizes]
    public async Task Auth_Throttled_454CountsAsClientError(int chunkSize)
    {
        var verifier = new FakeCredentialVerifier();
        verifier.NextStatus.Enqueue(LoginStatus.Throttled);
        verifier.NextStatus.Enqueue(LoginStatus.Throttled);
        var harness = await RunAsync(EhloWithAuth + $"""

            C: AUTH PLAIN {AlicePlain}
            S: 454 4.7.0 Temporary authentication failure, too many failed attempts, try again later
            C: AUTH PLAIN {AlicePlain}
            S: 454 4.7.0 Temporary authentication failure, too many failed attempts, try again later
            S: 421 4.7.0 Too many errors, closing connection
            """, chunkSize, Create(verifier: verifier, configure: o => o.MaxErrors = 2));

        Assert.False(harness.Session.Info.Authenticated);
    }

    [Theory, ChunkSizes]
    public async Task Auth_TemporaryFailureOrVerifierThrows_454NotCounted(int chunkSize)
    {
        var verifier = new FakeCredentialVerifier { ThrowOnNext = 1 };
        verifier.NextStatus.Enqueue(LoginStatus.TemporaryFailure);
        verifier.NextStatus.Enqueue(LoginStatus.TemporaryFailure);
        var harness = await RunAsync(EhloWithAuth + $"""

            C: AUTH PLAIN {AlicePlain}
            S: 454 4.7.0 Temporary authentication failure
            C: AUTH PLAIN {AlicePlain}
            S: 454 4.7.0 Temporary authentication failure
            C: AUTH PLAIN {AlicePlain}
            S: 454 4.7.0 Temporary authentication failure
            C: AUTH PLAIN {AlicePlain}
            S: 235 2.7.0 Authentication successful
            """, chunkSize, Create(verifier: verifier, configure: o => o.MaxErrors = 2));

        Assert.Equal(0, harness.Session.Counts.Errors);
        Assert.Contains(harness.Events.Rejections, r => r.Reason == "credential verifier failed: TimeoutException");
    }

    [Theory, ChunkSizes]
    public async Task Auth_CancelBadBase64AndMalformed_501AndTheExchangeEnds(int chunkSize)
    {
        await RunAsync(EhloWithAuth + $"""

            C: AUTH PLAIN
            S: 334 
            C: *
            S: 501 5.0.0 Authentication cancelled
            C: AUTH LOGIN
            S: 334 VXNlcm5hbWU6
            C: *
            S: 501 5.0.0 Authentication cancelled
            C: AUTH PLAIN not@base64
            S: 501 5.5.2 Invalid base64 data in response
            C: AUTH PLAIN
            S: 334 
            C: AGFsaWNl AHBhc3M=
            S: 501 5.5.2 Invalid base64 data in response
            C: AUTH PLAIN =
            S: 501 5.5.2 Malformed authentication response
            C: AUTH PLAIN {Base64("alice\0pw")}
            S: 501 5.5.2 Malformed authentication response
            C: NOOP
            S: 250 2.0.0 OK
            """, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Auth_OutOfSequenceOrUnknown_503504501(int chunkSize)
    {
        await RunAsync($"""
            S: 220 mx.example.com ESMTP EmailAI ready
            C: AUTH PLAIN {AlicePlain}
            S: 503 5.5.1 Send HELO/EHLO first
            C: HELO client.example.net
            S: 250 mx.example.com Hello [192.0.2.10]
            C: AUTH PLAIN {AlicePlain}
            S: 503 5.5.1 Send EHLO first
            C: EHLO client.example.net
            {EhloReplyWithAuth}
            C: AUTH
            S: 501 5.5.4 Syntax: AUTH mechanism [initial-response]
            C: AUTH CRAM-MD5
            S: 504 5.5.4 Unrecognized authentication type
            C: AUTH SCRAM-SHA-256-PLUS
            S: 504 5.5.4 Unrecognized authentication type
            C: MAIL FROM:<alice@example.com>
            S: 250 2.1.0 Sender OK
            C: AUTH PLAIN {AlicePlain}
            S: 503 5.5.1 AUTH not permitted during a mail transaction
            C: RSET
            S: 250 2.0.0 Reset OK
            C: AUTH PLAIN {AlicePlain}
            S: 235 2.7.0 Authentication successful
            C: AUTH PLAIN {AlicePlain}
            S: 503 5.5.1 Already authenticated
            C: EHLO again.example.net
            {EhloReplyWithAuth}
            C: AUTH LOGIN
            S: 503 5.5.1 Already authenticated
            """, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Auth_Port25WithoutTls_NotOffered538AndNothingChecked(int chunkSize)
    {
        var verifier = new FakeCredentialVerifier();
        var harness = await RunAsync($"""
            {SmtpOpenings.Ehlo}
            C: AUTH PLAIN {AlicePlain}
            S: 538 5.7.11 Encryption required for requested authentication mechanism
            C: AUTH LOGIN
            S: 538 5.7.11 Encryption required for requested authentication mechanism
            C: MAIL FROM:<sender@remote.example>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.com>
            S: 250 2.1.5 Recipient OK
            """, chunkSize, Create(tls: false, verifier: verifier));

        Assert.Empty(verifier.Calls);
        Assert.Equal("AUTH PLAIN", harness.Events.Rejections[0].Command);
    }

    [Theory, ChunkSizes]
    public async Task Auth_AllowInsecureAuth_OfferedAndAcceptedWithoutTls(int chunkSize)
    {
        var harness = await RunAsync(Authenticated, chunkSize, Create(tls: false, configure: o => o.AllowInsecureAuth = true));

        Assert.False(harness.Session.IsTls);
        Assert.True(harness.Session.Info.Authenticated);
        Assert.False(((FakeCredentialVerifier)harness.Session.Context.Credentials!).Calls[0].Request.Tls);
    }

    [Theory, ChunkSizes]
    public async Task Auth_NoVerifier_StillNotImplemented(int chunkSize)
    {
        await RunAsync($"""
            {SmtpOpenings.Ehlo}
            C: AUTH PLAIN {AlicePlain}
            S: 502 5.5.1 Command not implemented
            """, chunkSize, new SmtpTestHarness(context: SmtpSessionContext.Plain with { ImplicitTls = Tls13 }));
    }

    [Theory, ChunkSizes]
    public async Task Auth_PipelinedInOnePacket_LaterLinesAreTheResponses(int chunkSize)
    {
        // RFC 4954 §4: AUTH ends a pipelined group; what follows it in the same packet answers its challenges.
        var harness = Create();
        harness.Start();
        var replies = await harness.SendAsync(
            $"EHLO client.example.net\r\nAUTH LOGIN\r\n{Base64("alice@example.com")}\r\n{Base64("correct horse")}\r\nMAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.com>\r\n",
            chunkSize);

        Assert.Equal([250, 334, 334, 235, 250, 250], replies.Select(r => r.Code));
    }

    [Theory, ChunkSizes]
    public async Task Auth_CommandsDuringTheExchange_AreNotRun(int chunkSize)
    {
        // QUIT and RSET are valid base64: read as PLAIN responses they are malformed, and the session stays open.
        var harness = await RunAsync(EhloWithAuth + """

            C: AUTH PLAIN
            S: 334 
            C: QUIT
            S: 501 5.5.2 Malformed authentication response
            C: AUTH LOGIN
            S: 334 VXNlcm5hbWU6
            C: MAIL FROM:<alice@example.com>
            S: 501 5.5.2 Invalid base64 data in response
            C: NOOP
            S: 250 2.0.0 OK
            """, chunkSize);

        Assert.False(harness.Session.IsClosed);
    }

    [Theory, ChunkSizes]
    public async Task Auth_ResponseAtTheLimit_TakenOneOverRefused(int chunkSize)
    {
        // 12288 base64 octets decode to 9216: "\0alice@example.com\0" and a password of the rest. The AUTH line
        // itself may carry that much more than the 512-octet command limit: "AUTH PLAIN " + 12,787 + CRLF is at it.
        var verifier = new FakeCredentialVerifier();
        var user = "alice@example.com";
        var atLimit = Base64($"\0{user}\0" + new string('p', 9216 - user.Length - 2));
        Assert.Equal(12288, atLimit.Length);
        var harness = await RunAsync(EhloWithAuth + $"""

            C: AUTH PLAIN
            S: 334 
            C: {atLimit}
            S: 535 5.7.8 Authentication credentials invalid
            C: AUTH PLAIN
            S: 334 
            C: {atLimit}=
            S: 500 5.5.6 Authentication exchange line is too long
            C: AUTH PLAIN {atLimit}
            S: 535 5.7.8 Authentication credentials invalid
            C: AUTH PLAIN {new string('A', 512 + 12288 - 13)}
            S: 501 5.5.2 Invalid base64 data in response
            C: AUTH PLAIN {new string('A', 512 + 12288 - 12)}
            S: 500 5.5.2 Line too long
            C: NOOP
            S: 250 2.0.0 OK
            """, chunkSize, Create(verifier: verifier));

        Assert.Equal(2, verifier.Calls.Count);
        Assert.All(verifier.Calls, call => Assert.Equal(9216 - user.Length - 2, call.Password!.Length));
    }

    [Fact]
    public async Task Auth_ArbitraryResponseBytes_NeverThrowNeverAuthenticate()
    {
        var mechanism = Gen.OneOf(Gen.Const("PLAIN"), Gen.Const("LOGIN"), Gen.Const("SCRAM-SHA-256"));
        var bytes = Gen.OneOf(Gen.Byte.Array[0, 200], Gen.Char["\r\n*=Ab0+/ "].Select(c => (byte)c).Array[0, 60]);
        await Gen.Select(mechanism, bytes, Gen.Int[1, 64]).SampleAsync(async (name, response, chunk) =>
        {
            var harness = Create(configure: o => o.MaxErrors = 1000);
            harness.Start();
            await harness.SendAsync($"EHLO c\r\nAUTH {name}\r\n");
            await harness.SendAsync(response, chunk);
            await harness.SendAsync("\r\n*\r\nNOOP\r\n");

            Assert.False(harness.Session.Info.Authenticated);
            Assert.DoesNotContain(harness.Replies, reply => reply.Code == 235);
            Assert.Equal(250, harness.Replies[^1].Code);
        }, iter: 300);
    }

    [Fact]
    public async Task Auth_Secrets_NeverInTheSessionsEvents()
    {
        var password = "s3cret-Pa55";
        var plain = Base64($"\0alice@example.com\0{password}");
        var harness = Create(configure: o => o.MaxErrors = 100);
        harness.Start();
        await harness.SendAsync($"EHLO c\r\nAUTH PLAIN {plain}\r\nAUTH PLAIN\r\n{plain}\r\nAUTH LOGIN\r\n{Base64("alice@example.com")}\r\n{Base64(password)}\r\nAUTH LOGIN\r\n{Base64(password)}\r\n*\r\nAUTH PLAIN\r\n{plain}x\r\n");

        Assert.Equal(5, harness.Events.Rejections.Count);
        foreach (var rejection in harness.Events.Rejections)
        {
            var text = $"{rejection.Command} {rejection.Reason} {rejection.Sender} {rejection.Recipient}";
            Assert.DoesNotContain(password, text, StringComparison.Ordinal);
            Assert.DoesNotContain(plain, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Base64(password), text, StringComparison.Ordinal);
            Assert.StartsWith("AUTH ", rejection.Command, StringComparison.Ordinal);
        }

        Assert.Equal("invalid credentials, sasl_username=alice@example.com", harness.Events.Rejections[0].Reason);
    }

    /// <summary>
    /// Lines that are not a well-formed AUTH but carry its secrets (a tab after the verb, a leading space, no space
    /// at all) are refused with 500 and logged as the bare verb (a black-box run found the first one put a
    /// password in the log).
    /// </summary>
    [Theory]
    [InlineData("AUTH\tPLAIN ")]
    [InlineData(" AUTH PLAIN ")]
    [InlineData("AUTHPLAIN ")]
    [InlineData("auth\t\tplain ")]
    public async Task MalformedAuthLine_RefusedAndLoggedWithoutItsArgument(string prefix)
    {
        var plain = Base64("\0alice@example.com\0s3cret-Pa55");
        var harness = Create();
        harness.Start();
        await harness.SendAsync($"EHLO c\r\n{prefix}{plain}\r\n");

        Assert.True(harness.Replies[^1].Code >= 500, harness.Replies[^1].ToString());
        var rejection = Assert.Single(harness.Events.Rejections);
        Assert.Equal("AUTH", rejection.Command);
        Assert.False(harness.Session.Info.Authenticated);
    }

    // RFC 7677 §3 through the session, with the server nonce fixed through the seam.
    [Theory, ChunkSizes]
    public async Task AuthScram_Rfc7677TestVector_ServerFinalThen235(int chunkSize)
    {
        var harness = Create(verifier: SaslMechanismTests.VectorVerifier());
        harness.Session.ScramFactory = (verifier, request) => new SaslScramSha256(verifier, request, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");

        await RunAsync(EhloWithAuth + $"""

            C: AUTH SCRAM-SHA-256 {Base64("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")}
            S: 334 {Base64("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")}
            C: {Base64("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")}
            S: 334 {Base64("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")}
            C:
            S: 235 2.7.0 Authentication successful
            """, chunkSize, harness);

        Assert.Equal("user", harness.Session.Info.AuthenticatedIdentity);
    }

    [Theory, ChunkSizes]
    public async Task AuthScram_WrongProof_ServerFinalErrorThen535(int chunkSize)
    {
        var harness = Create(verifier: SaslMechanismTests.VectorVerifier());
        harness.Session.ScramFactory = (verifier, request) => new SaslScramSha256(verifier, request, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");

        await RunAsync(EhloWithAuth + $"""

            C: AUTH SCRAM-SHA-256
            S: 334 
            C: {Base64("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")}
            S: 334 {Base64("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")}
            C: {Base64("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")}
            S: 334 {Base64("e=invalid-proof")}
            C: *
            S: 535 5.7.8 Authentication credentials invalid
            C: AUTH SCRAM-SHA-256 {Base64("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")}
            S: 334 {Base64("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")}
            C: {Base64("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")}
            S: 334 {Base64("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")}
            C: *
            S: 501 5.0.0 Authentication cancelled
            C: AUTH SCRAM-SHA-256 {Base64("p=tls-unique,,n=user,r=rOprNGfwEbeRWgbNEkqO")}
            S: 501 5.5.2 Malformed authentication response
            """, chunkSize, harness);

        Assert.False(harness.Session.Info.Authenticated);
    }

    [Fact]
    public async Task AuthScram_RandomPasswords_OnlyTheRightOneAuthenticates()
    {
        var password = Gen.String[Gen.Char[' ', '~'], 1, 16];
        await Gen.Select(password, password, Gen.Bool).SampleAsync(async (right, other, same) =>
        {
            var guess = same ? right : other;
            var verifier = new FakeCredentialVerifier();
            verifier.Add("carol@example.com", right);
            var harness = Create(verifier: verifier);
            harness.Start();
            await harness.SendAsync("EHLO c\r\nAUTH SCRAM-SHA-256\r\n");

            var step = await SaslMechanismTests.ScramExchangeAsync(new SessionScramClient(harness), "carol@example.com", guess);
            var last = await harness.SendLineAsync("");

            Assert.Equal(right == guess ? "v=" : "e=", System.Text.Encoding.UTF8.GetString(step.Challenge!)[..2]);
            Assert.Equal(right == guess ? 235 : 535, Assert.Single(last).Code);
            Assert.Equal(right == guess, harness.Session.Info.Authenticated);
        }, iter: 20);
    }

    /// <summary>Lets the client half of <see cref="SaslMechanismTests.ScramExchangeAsync"/> talk to a session's AUTH exchange.</summary>
    private sealed class SessionScramClient(SmtpTestHarness harness) : ISaslMechanism
    {
        public string Name => "SCRAM-SHA-256";

        public SaslStep Start() => throw new NotSupportedException();

        public async ValueTask<SaslStep> RespondAsync(byte[] response, CancellationToken cancellationToken)
        {
            var reply = Assert.Single(await harness.SendLineAsync(Convert.ToBase64String(response)));
            Assert.Equal(334, reply.Code);
            var challenge = Convert.FromBase64String(reply.Lines[0]);
            return new SaslStep(challenge.AsSpan().StartsWith("r="u8) ? SaslOutcome.Continue : SaslOutcome.Succeeded, challenge);
        }
    }
}
