namespace EmailAI.Bench;

/// <summary>A complete (possibly multi-line) SMTP reply: the code of its last line and its text.</summary>
internal readonly record struct SmtpReply(int Code, string Text)
{
    /// <summary>2xx: the command was accepted.</summary>
    public bool IsPositiveCompletion => Code is >= 200 and < 300;

    public override string ToString() => Text;
}
