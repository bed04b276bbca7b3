using System.Net;
using EmailAI.Protocols.Pop3;
using EmailAI.Tests.Smtp;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Pop3;

/// <summary>
/// USER/PASS (RFC 1939), AUTH PLAIN (RFC 5034, RFC 4616), plaintext refused on insecure connections, and
/// what the backend's verdicts look like to the client: [AUTH], [IN-USE], [SYS/TEMP].
/// </summary>
public sealed class Pop3AuthenticationTests
{
    /// <summary>base64("\0alice\0wonderland").</summary>
    private const string AlicePlain = "AGFsaWNlAHdvbmRlcmxhbmQ=";

    /// <summary>base64("alice\0alice\0wonderland"): authzid equal to authcid.</summary>
    private const string AliceAsAlicePlain = "YWxpY2UAYWxpY2UAd29uZGVybGFuZA==";

    /// <summary>base64("bob\0alice\0wonderland"): alice asking to act as bob.</summary>
    private const string AliceAsBobPlain = "Ym9iAGFsaWNlAHdvbmRlcmxhbmQ=";

    /// <summary>base64("\0alice\0wrong").</summary>
    private const string AliceWrongPlain = "AGFsaWNlAHdyb25n";

    /// <summary>base64("alice\0wonderland"): only two fields.</summary>
    private const string TwoFieldsPlain = "YWxpY2UAd29uZGVybGFuZA==";

    private const string LoggedIn = "S: +OK maildrop locked and ready";

    [Theory, ChunkSizes]
    public async Task UserPass_CorrectPassword_LocksMaildropAndEntersTransaction(int chunkSize)
    {
        var transcript = Transcript.Parse(Pop3Openings.Login);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal(Pop3State.Transaction, harness.Session.State);
        Assert.Equal(FakePop3Backend.AliceMailbox, harness.Session.Mailbox);
        var credentials = Assert.Single(harness.Backend.AuthenticateCalls);
        Assert.Equal(new Pop3Credentials("alice", "wonderland", null, null, IPAddress.Parse(Pop3TestHarness.ClientIp)) { Mechanism = "USER", SessionId = Pop3TestHarness.SessionId }, credentials);
        Assert.Equal((FakePop3Backend.AliceMailbox, Pop3TestHarness.SessionId), Assert.Single(harness.Backend.OpenCalls));
        Assert.Equal(Pop3TestHarness.SessionId, harness.Backend.LockHolder(FakePop3Backend.AliceMailbox));
    }

    [Theory, ChunkSizes]
    public async Task UserPass_UnknownUserAndWrongPassword_SameAuthErrorAndNoMaildropOpened(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: USER nobody
            S: +OK send PASS
            C: PASS wonderland
            S: -ERR [AUTH] Authentication failed
            C: USER alice
            S: +OK send PASS
            C: PASS Wonderland
            S: -ERR [AUTH] Authentication failed
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal(Pop3State.Authorization, harness.Session.State);
        Assert.Null(harness.Session.Mailbox);
        Assert.Equal(2, harness.Backend.AuthenticateCalls.Count);
        Assert.Empty(harness.Backend.OpenCalls);
    }

    [Theory, ChunkSizes]
    public async Task Pass_AfterFailedPass_RequiresUserAgain(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: USER alice
            S: +OK send PASS
            C: PASS wrong
            S: -ERR [AUTH] Authentication failed
            C: PASS wonderland
            S: -ERR USER first
            C: USER alice
            S: +OK send PASS
            C: PASS wonderland
            {LoggedIn}
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal(2, harness.Backend.AuthenticateCalls.Count);
        Assert.Equal(Pop3State.Transaction, harness.Session.State);
    }

    [Theory, ChunkSizes]
    public async Task Pass_WithoutUser_ReturnsErrWithoutAskingBackend(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: PASS wonderland
            S: -ERR USER first
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Backend.AuthenticateCalls);
    }

    [Theory, ChunkSizes]
    public async Task User_MissingOrWithSpace_SyntaxError(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: USER
            S: -ERR Syntax error
            C: USER alice smith
            S: -ERR Syntax error
            C: PASS wonderland
            S: -ERR USER first
            """);

        await Pop3TestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Pass_PasswordWithSpaces_PassedWhole(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: USER bob
            S: +OK send PASS
            C: PASS correct horse battery staple
            {LoggedIn}
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.Equal("correct horse battery staple", Assert.Single(harness.Backend.AuthenticateCalls).Password);
        Assert.Equal(FakePop3Backend.BobMailbox, harness.Session.Mailbox);
    }

    [Theory, ChunkSizes]
    public async Task Pass_PasswordWithLeadingAndTrailingSpaces_NotTrimmed(int chunkSize)
    {
        var harness = new Pop3TestHarness();
        harness.Backend.AddAccount("carol", " spaced out ", "mbx-carol");
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: USER carol
            S: +OK send PASS
            C: PASS spaced out
            S: -ERR [AUTH] Authentication failed
            C: USER carol
            S: +OK send PASS
            """)
            .Client("PASS  spaced out ")
            .Server("+OK maildrop locked and ready");

        await harness.RunAsync(transcript, chunkSize);

        Assert.Equal(" spaced out ", harness.Backend.AuthenticateCalls[^1].Password);
    }

    [Theory, ChunkSizes]
    public async Task AuthPlain_WithoutInitialResponse_ContinuationThenLogin(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: AUTH PLAIN
            S: {Pop3Openings.SaslContinuation}
            C: {AlicePlain}
            {LoggedIn}
            C: STAT
            S: +OK 0 0
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        var credentials = Assert.Single(harness.Backend.AuthenticateCalls);
        Assert.Equal(("alice", "wonderland"), (credentials.User, credentials.Password));
        Assert.Equal(FakePop3Backend.AliceMailbox, harness.Session.Mailbox);
    }

    [Theory, ChunkSizes(AlicePlain, AliceAsAlicePlain)]
    public async Task AuthPlain_WithInitialResponse_LogsIn(string initialResponse, int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: auth plain {initialResponse}
            {LoggedIn}
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        var credentials = Assert.Single(harness.Backend.AuthenticateCalls);
        Assert.Equal(("alice", "wonderland"), (credentials.User, credentials.Password));
    }

    [Theory, ChunkSizes]
    public async Task AuthPlain_WrongPassword_AuthErrorAndSessionContinues(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: AUTH PLAIN {AliceWrongPlain}
            S: -ERR [AUTH] Authentication failed
            C: AUTH PLAIN
            S: {Pop3Openings.SaslContinuation}
            C: {AliceWrongPlain}
            S: -ERR [AUTH] Authentication failed
            C: AUTH PLAIN {AlicePlain}
            {LoggedIn}
            """);

        await Pop3TestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task AuthPlain_EqualsSignMeaningEmpty_Malformed(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: AUTH PLAIN =
            S: -ERR [AUTH] Malformed SASL response
            C: AUTH PLAIN
            S: {Pop3Openings.SaslContinuation}
            C: =
            S: -ERR [AUTH] Malformed SASL response
            C: AUTH PLAIN
            S: {Pop3Openings.SaslContinuation}
            C:
            S: -ERR [AUTH] Malformed SASL response
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Backend.AuthenticateCalls);
    }

    [Theory, ChunkSizes]
    public async Task AuthPlain_StarCancels_ErrAndNextCommandIsACommand(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: AUTH PLAIN
            S: {Pop3Openings.SaslContinuation}
            C: *
            S: -ERR SASL authentication cancelled
            C: USER alice
            S: +OK send PASS
            C: PASS wonderland
            {LoggedIn}
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.Single(harness.Backend.AuthenticateCalls);
    }

    [Theory, ChunkSizes("not base64!", "AGFsaWNlAHdvbmRlcmxhbmQ", "@@@@")]
    public async Task AuthPlain_BadBase64_MalformedEitherWay(string response, int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: AUTH PLAIN {response}
            S: -ERR [AUTH] Malformed SASL response
            C: AUTH PLAIN
            S: {Pop3Openings.SaslContinuation}
            C: {response}
            S: -ERR [AUTH] Malformed SASL response
            C: CAPA
            S: +OK Capability list follows
            """);
        transcript.Server("{ANY}", 8);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Backend.AuthenticateCalls);
    }

    [Theory, ChunkSizes(AliceAsBobPlain + "|-ERR [AUTH] Authentication failed", TwoFieldsPlain + "|-ERR [AUTH] Malformed SASL response")]
    public async Task AuthPlain_AuthzidOtherThanAuthcidOrMissingField_RefusedWithoutAskingBackend(string responseAndAnswer, int chunkSize)
    {
        // Acting for another user (proxy authorization) is refused as a failed login; a missing field is malformed.
        var (response, answer) = (responseAndAnswer.Split('|')[0], responseAndAnswer.Split('|')[1]);
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: AUTH PLAIN {response}
            S: {answer}
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Backend.AuthenticateCalls);
        Assert.Equal(Pop3State.Authorization, harness.Session.State);
    }

    [Theory, ChunkSizes]
    public async Task Auth_UnknownMechanism_ErrAndSessionContinues(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: AUTH CRAM-MD5
            S: -ERR Unsupported SASL mechanism
            C: AUTH XOAUTH2 dXNlcj1hbGljZQ==
            S: -ERR Unsupported SASL mechanism
            C: AUTH PLAIN {AlicePlain}
            {LoggedIn}
            """);

        await Pop3TestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task Auth_WithoutArgument_ListsPlain(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: AUTH
            S: +OK SASL mechanisms follow
            S: PLAIN
            S: .
            """);

        await Pop3TestHarness.RunAsync(transcript, chunkSize);
    }

    [Theory, ChunkSizes]
    public async Task InsecureConnection_UserPassAndAuthPlain_RefusedWithAuthCode(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: CAPA
            S: +OK Capability list follows
            S: TOP
            S: UIDL
            S: RESP-CODES
            S: AUTH-RESP-CODE
            S: PIPELINING
            S: .
            C: USER alice
            S: -ERR [AUTH] Plaintext authentication is not allowed on this connection
            C: PASS wonderland
            S: -ERR [AUTH] Plaintext authentication is not allowed on this connection
            C: AUTH PLAIN
            S: -ERR [AUTH] Plaintext authentication is not allowed on this connection
            C: AUTH PLAIN {AlicePlain}
            S: -ERR [AUTH] Plaintext authentication is not allowed on this connection
            C: AUTH
            S: +OK SASL mechanisms follow
            S: .
            C: STAT
            S: -ERR Command not valid in this state
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize, secure: false);

        Assert.Empty(harness.Backend.AuthenticateCalls);
        Assert.Equal(Pop3State.Authorization, harness.Session.State);
    }

    [Theory, ChunkSizes]
    public async Task InsecureConnection_AllowInsecureAuth_OffersAndAcceptsPlaintext(int chunkSize)
    {
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: CAPA
            S: +OK Capability list follows
            S: TOP
            S: UIDL
            S: RESP-CODES
            S: AUTH-RESP-CODE
            S: PIPELINING
            S: USER
            S: SASL PLAIN
            S: .
            C: AUTH PLAIN {AliceWrongPlain}
            S: -ERR [AUTH] Authentication failed
            C: USER alice
            S: +OK send PASS
            C: PASS wonderland
            {LoggedIn}
            """);

        var harness = await Pop3TestHarness.RunAsync(transcript, chunkSize, o => o.AllowInsecureAuth = true, secure: false);

        Assert.Equal(FakePop3Backend.AliceMailbox, harness.Session.Mailbox);
    }

    [Theory, ChunkSizes]
    public async Task Login_MaildropInUse_InUseCodeStaysInAuthorizationAndLaterLoginWorks(int chunkSize)
    {
        var harness = new Pop3TestHarness();
        harness.Backend.OpenInUseOnNext = 1;
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: USER alice
            S: +OK send PASS
            C: PASS wonderland
            S: -ERR [IN-USE] Maildrop is locked by another session
            C: STAT
            S: -ERR Command not valid in this state
            C: AUTH PLAIN {AlicePlain}
            {LoggedIn}
            C: STAT
            S: +OK 0 0
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Equal(2, harness.Backend.OpenCalls.Count);
        Assert.Equal(Pop3State.Transaction, harness.Session.State);
    }

    [Fact]
    public async Task Login_SecondSessionWhileFirstHoldsLock_InUseUntilFirstQuits()
    {
        var backend = new FakePop3Backend();
        backend.AddMessage(FakePop3Backend.AliceMailbox, 7, "Subject: x\r\n\r\nbody\r\n");
        var first = new Pop3TestHarness(backend: backend, sessionId: "first");
        var second = new Pop3TestHarness(backend: backend, sessionId: "second");
        first.Start();
        second.Start();

        Assert.Equal("+OK send PASS\r\n+OK maildrop locked and ready\r\n", await first.SendAsync("USER alice\r\nPASS wonderland\r\n"));
        Assert.Equal("+OK send PASS\r\n-ERR [IN-USE] Maildrop is locked by another session\r\n", await second.SendAsync("USER alice\r\nPASS wonderland\r\n"));
        Assert.Equal("+OK message 1 deleted\r\n+OK pop.example.com signing off (1 messages deleted)\r\n", await first.SendAsync("DELE 1\r\nQUIT\r\n"));
        Assert.Equal("+OK send PASS\r\n+OK maildrop locked and ready\r\n+OK 0 0\r\n", await second.SendAsync("USER alice\r\nPASS wonderland\r\nSTAT\r\n"));
    }

    [Theory, ChunkSizes]
    public async Task Login_Throttled_AuthErrorWithoutOpeningMaildrop(int chunkSize)
    {
        var harness = new Pop3TestHarness();
        harness.Backend.Throttle("alice");
        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: USER alice
            S: +OK send PASS
            C: PASS wonderland
            S: -ERR [AUTH] Too many failed logins, try again later
            C: AUTH PLAIN {AlicePlain}
            S: -ERR [AUTH] Too many failed logins, try again later
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Empty(harness.Backend.OpenCalls);
        Assert.Equal(Pop3State.Authorization, harness.Session.State);
    }

    [Theory, ChunkSizes("authenticate throws", "authenticate temporary failure", "open throws", "open temporary failure")]
    public async Task Login_BackendTrouble_SysTempAndLaterLoginWorks(string fault, int chunkSize)
    {
        var harness = new Pop3TestHarness();
        switch (fault)
        {
            case "authenticate throws":
                harness.Backend.AuthenticateThrowsOnNext = 1;
                break;
            case "authenticate temporary failure":
                harness.Backend.AuthenticateTemporaryFailureOnNext = 1;
                break;
            case "open throws":
                harness.Backend.OpenThrowsOnNext = 1;
                break;
            default:
                harness.Backend.OpenTemporaryFailureOnNext = 1;
                break;
        }

        var transcript = Transcript.Parse($"""
            {Pop3Openings.Greeting}
            C: USER alice
            S: +OK send PASS
            C: PASS wonderland
            S: -ERR [SYS/TEMP] Temporary problem, try again later
            C: STAT
            S: -ERR Command not valid in this state
            C: USER alice
            S: +OK send PASS
            C: PASS wonderland
            {LoggedIn}
            """);

        await harness.RunAsync(transcript, chunkSize);

        Assert.Equal(Pop3State.Transaction, harness.Session.State);
    }
}
