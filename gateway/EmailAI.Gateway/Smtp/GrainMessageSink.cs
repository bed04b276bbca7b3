using System.Diagnostics;
using EmailAI.Contracts;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Logging;

namespace EmailAI.Gateway.Smtp;

/// <summary>
/// Hands a complete message to the ingest grain and answers 250 only after the grain reports the
/// commit durable; any failure is a 451 4.3.0 and the client retries (nothing was committed, or — if the
/// commit finished but the answer was lost — SMTP's at-least-once rule allows a duplicate).
/// </summary>
public sealed class GrainMessageSink(IGrainFactory grains, ILogger<GrainMessageSink> logger) : IMessageSink
{
    public async ValueTask<SmtpReply> CommitAsync(SmtpEnvelope envelope, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var mailboxes = new List<string>();
        var relayed = new List<string>();
        var forwarded = new List<ForwardedRecipient>();
        foreach (var recipient in envelope.Recipients)
        {
            var destination = recipient.Destination;
            if (destination.StartsWith(GrainRecipientPolicy.MailboxPrefix, StringComparison.Ordinal))
            {
                mailboxes.Add(destination[GrainRecipientPolicy.MailboxPrefix.Length..]);
            }
            else if (destination.StartsWith(GrainRecipientPolicy.RelayPrefix, StringComparison.Ordinal))
            {
                relayed.Add(destination[GrainRecipientPolicy.RelayPrefix.Length..]);
            }
            else if (destination.StartsWith(GrainRecipientPolicy.ForwardPrefix, StringComparison.Ordinal) && destination.IndexOf('\n') is var split and > 0)
            {
                forwarded.Add(new ForwardedRecipient(destination[(split + 1)..], destination[GrainRecipientPolicy.ForwardPrefix.Length..split]));
            }
            else
            {
                throw new InvalidOperationException($"Unknown destination '{destination}'.");
            }
        }

        var sender = envelope.Sender.Mailbox?.ToString() ?? "";
        using var activity = GatewayTelemetry.Source.StartActivity("smtp.commit");
        activity?.SetTag("emailai.queue_id", envelope.QueueId);
        activity?.SetTag("emailai.recipients", envelope.Recipients.Count);
        activity?.SetTag("emailai.size", content.Length);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var request = new IngestRequest(envelope.QueueId, sender, mailboxes, envelope.ReceivedAt, content.ToArray())
            {
                Relayed = relayed,
                Forwarded = forwarded,
            };
            await grains.GetGrain<IIngestGrain>(0).DeliverAsync(request).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            GatewayTelemetry.MessagesFailed.Add(1);
            logger.LogError(ex, "Commit of {QueueId} from <{Sender}> failed; answered 451", envelope.QueueId, sender);
            return SmtpReplies.TemporaryFailure;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        GatewayTelemetry.CommitDuration.Record(elapsed.TotalMilliseconds);
        GatewayTelemetry.MessagesAccepted.Add(1);
        GatewayTelemetry.BytesAccepted.Add(content.Length);
        logger.LogInformation(
            "Accepted {QueueId} from <{Sender}> [{RemoteAddress}] for {RecipientCount} recipient(s), {Size} octets, committed in {CommitMs:F1} ms",
            envelope.QueueId, sender, envelope.RemoteAddress, envelope.Recipients.Count, content.Length, elapsed.TotalMilliseconds);
        return SmtpReplies.MessageAccepted(envelope.QueueId);
    }
}
