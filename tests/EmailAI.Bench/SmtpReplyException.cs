namespace EmailAI.Bench;

/// <summary>The server answered a command with an unexpected reply; the connection is still usable unless the code is 421.</summary>
internal sealed class SmtpReplyException(SmtpReply reply) : Exception($"unexpected reply: {reply.Text}")
{
    public SmtpReply Reply { get; } = reply;

    /// <summary>421: the server is closing the transmission channel.</summary>
    public bool ConnectionClosing => Reply.Code == 421;
}
