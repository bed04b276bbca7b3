namespace EmailAI.Tests.Pop3;

/// <summary>
/// Transcript pieces shared by the test classes (the harness's default server domain, the fake backend's
/// default accounts) and alice's standard maildrop.
/// </summary>
public static class Pop3Openings
{
    /// <summary>The greeting without APOP.</summary>
    public const string Greeting = "S: +OK pop.example.com POP3 EmailAI ready";

    /// <summary>The SASL continuation line: "+" and a space (an empty challenge).</summary>
    public const string SaslContinuation = "+ ";

    /// <summary><see cref="Greeting"/> and a USER/PASS login as alice.</summary>
    public const string Login = Greeting + """

        C: USER alice
        S: +OK send PASS
        C: PASS wonderland
        S: +OK maildrop locked and ready
        """;

    /// <summary>Message 1 of the standard maildrop: uid 101, 55 octets.</summary>
    public const string Message1 = "From: carol@example.net\r\nSubject: one\r\n\r\nHello Alice.\r\n";

    /// <summary>Message 2 of the standard maildrop: uid 102, 40 octets, three body lines.</summary>
    public const string Message2 = "Subject: two\r\n\r\nLine 1\r\nLine 2\r\nLine 3\r\n";

    /// <summary>Message 3 of the standard maildrop: uid 205, 24 octets.</summary>
    public const string Message3 = "Subject: three\r\n\r\nBye.\r\n";

    /// <summary>Puts the three standard messages (119 octets in all) into alice's maildrop.</summary>
    public static Pop3TestHarness WithStandardMaildrop(this Pop3TestHarness harness)
    {
        harness.Backend.AddMessage(FakePop3Backend.AliceMailbox, 101, Message1);
        harness.Backend.AddMessage(FakePop3Backend.AliceMailbox, 102, Message2);
        harness.Backend.AddMessage(FakePop3Backend.AliceMailbox, 205, Message3);
        return harness;
    }
}
