using System.Net;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Logging;

namespace EmailAI.Gateway.Smtp;

/// <summary>
/// Writes one SMTP session's story the way Postfix's smtpd does, so an admin can answer "why?": connect,
/// every refusal as a <c>NOQUEUE: reject:</c> line (or the queue id's, for a message refused at its final dot)
/// with client, HELO, sender, recipient, reply and reason, one <c>accepted</c> line per recipient with its
/// route and the authenticated user (sasl_username, <c>-</c> for none) under the queue id the 250 showed, and disconnect with the session's counts. Every value that came
/// from the client is escaped with <see cref="LogText.Escape"/>, so control characters cannot reach the log.
/// Refusals the session marks <see cref="SmtpRejection.Aggregated"/> (the client is past
/// <see cref="SmtpOptions.SoftErrorLimit"/>) are only counted, by reply code, and summed up in one line before the
/// disconnect line: an address harvester once cost a 243-byte line per guess. One instance per session; not thread-safe.
/// </summary>
public sealed class SmtpSessionLog(ILogger logger) : ISmtpSessionEvents
{
    private readonly SortedDictionary<int, int> _unlogged = [];

    public void Connected(IPAddress remote) =>
        logger.LogInformation("connect from [{ClientAddress}]", remote);

    public void Disconnected(SmtpSessionInfo session, SmtpSessionCounts counts)
    {
        if (_unlogged.Count > 0)
        {
            logger.LogInformation(
                "refusals of [{ClientAddress}] not logged individually (past SoftErrorLimit): {Unlogged} ({ByCode})",
                session.RemoteAddress,
                _unlogged.Values.Sum(),
                string.Join(' ', _unlogged.Select(pair => $"{pair.Key}={pair.Value}")));
        }

        logger.LogInformation(
            "disconnect from [{ClientAddress}] helo=<{Helo}> commands={Commands} recipients={Recipients} messages={Messages} errors={Errors}",
            session.RemoteAddress, LogText.Escape(session.HeloName), counts.Commands, counts.Recipients, counts.Messages, counts.Errors);
    }

    public void Rejected(SmtpRejection rejection)
    {
        GatewayTelemetry.Rejections.Add(1, new KeyValuePair<string, object?>("reason", RejectionReason.Of(rejection)));
        if (rejection.Aggregated)
        {
            _unlogged[rejection.Reply.Code] = _unlogged.GetValueOrDefault(rejection.Reply.Code) + 1;
            return;
        }

        logger.LogInformation(
            "{QueueId}: reject: {Command} from [{ClientAddress}]: {Reply}; reason={Reason} from={Sender} to={Recipient} proto={Protocol} helo=<{Helo}>",
            rejection.QueueId ?? "NOQUEUE",
            LogText.Escape(rejection.Command),
            rejection.RemoteAddress,
            LogText.Escape(rejection.Reply.ToSingleLine()),
            LogText.Escape(rejection.Reason ?? "-"),
            LogText.Escape(rejection.Sender ?? "-"),
            LogText.Escape(rejection.Recipient ?? "-"),
            rejection.Protocol,
            LogText.Escape(rejection.HeloName));
    }

    public void Accepted(SmtpEnvelope envelope, long size)
    {
        foreach (var recipient in envelope.Recipients)
        {
            logger.LogInformation(
                "{QueueId}: accepted from={Sender} to={Recipient} route={Route} size={Size} client=[{ClientAddress}] helo=<{Helo}> sasl_username={User}",
                envelope.QueueId,
                LogText.Escape(envelope.Sender.ToString()),
                LogText.Escape(recipient.Path.ToString()),
                LogText.Escape(recipient.Route.ToString()),
                size,
                envelope.RemoteAddress,
                LogText.Escape(envelope.HeloName),
                LogText.Escape(envelope.AuthenticatedIdentity ?? "-"));
        }
    }
}
