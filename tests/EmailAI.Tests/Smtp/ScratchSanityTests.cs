namespace EmailAI.Tests.Smtp;

public sealed class ScratchSanityTests
{
    [Theory, ChunkSizes]
    public async Task Scratch_WrongLine_Fails(int chunkSize)
    {
        var t = SmtpTranscript.Parse("""
            S: 220 mx.example.com ESMTP EmailAI ready
            C: NOOP
            S: 250 2.0.0 OKAY
            """);
        await SmtpTestHarness.RunAsync(t, chunkSize);
    }

    [Fact]
    public async Task Scratch_MissingLine_Fails()
    {
        var t = SmtpTranscript.Parse("""
            S: 220 mx.example.com ESMTP EmailAI ready
            C: NOOP
            C: NOOP
            S: 250 2.0.0 OK
            """);
        await SmtpTestHarness.RunAsync(t, 3);
    }

    [Fact]
    public async Task Scratch_QidMismatch_Fails()
    {
        var t = SmtpTranscript.Parse("""
            S: 220 mx.example.com ESMTP EmailAI ready
            C: NOOP
            S: 250 2.0.0 {QID}
            """);
        await SmtpTestHarness.RunAsync(t, 3);
    }

    [Fact]
    public async Task Scratch_ExtraAfterClose_Fails()
    {
        var t = SmtpTranscript.Parse("""
            S: 220 mx.example.com ESMTP EmailAI ready
            C: NOOP
            S: 250 2.0.0 OK
            S: 250 2.0.0 OK
            """);
        await SmtpTestHarness.RunAsync(t, 3);
    }

    [Fact]
    public void Scratch_Matches()
    {
        Assert.True(SmtpTranscript.Matches("250 2.0.0 OK queued as {QID}", "250 2.0.0 OK queued as 06H15S5RWW0XQ9R8"));
        Assert.False(SmtpTranscript.Matches("250 2.0.0 OK queued as {QID}", "250 2.0.0 OK queued as 06H15S5RWW0XQ9R"));
        Assert.False(SmtpTranscript.Matches("250 2.0.0 OK", "250 2.0.0 OK "));
        Assert.True(SmtpTranscript.Matches("250 {ANY}", "250 x.y"));
        Assert.False(SmtpTranscript.Matches("250 a.c", "250 abc"));
    }
}
