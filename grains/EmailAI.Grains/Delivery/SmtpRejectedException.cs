using EmailAI.Protocols.Smtp;

namespace EmailAI.Grains.Delivery;

/// <summary>The server refused the session itself (greeting, HELO or RSET), with its reply.</summary>
public sealed class SmtpRejectedException(string stage, SmtpReply reply) : Exception($"{stage} refused: {reply.ToString().TrimEnd()}")
{
    public SmtpReply Reply { get; } = reply;
}
