namespace EmailAI.Bench;

/// <summary>The server answered <paramref name="command"/> with <c>-ERR</c> (or anything but <c>+OK</c>).</summary>
internal sealed class Pop3ReplyException(string command, Pop3Reply reply) : Exception($"{command}: {reply.Text}")
{
    public Pop3Reply Reply { get; } = reply;

    /// <summary>The command name only (never its arguments, so a password is never logged).</summary>
    public string Command { get; } = command;
}
