namespace EmailAI.Bench;

/// <summary>A POP3 status line: <c>+OK</c> or <c>-ERR</c> and the whole line's text.</summary>
internal readonly record struct Pop3Reply(bool IsOk, string Text)
{
    public override string ToString() => Text;
}
