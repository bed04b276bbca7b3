using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary>Keeps every event an <see cref="SmtpSession"/> raised, in order.</summary>
public sealed class RecordingSessionEvents : ISmtpSessionEvents
{
    public List<SmtpRejection> Rejections { get; } = [];

    public List<(SmtpEnvelope Envelope, long Size)> Acceptances { get; } = [];

    public void Rejected(SmtpRejection rejection) => Rejections.Add(rejection);

    public void Accepted(SmtpEnvelope envelope, long size) => Acceptances.Add((envelope, size));
}
