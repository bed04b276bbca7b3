using System.Diagnostics;
using EmailAI.Contracts;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Logging;

namespace EmailAI.Gateway.Smtp;

/// <summary>
/// Hands a complete message to the ingest grain and answers 250 only after the grain reports the
/// commit durable; a full store is a 452 4.3.1, any other failure a 451 4.3.0 and the client retries (nothing was committed, or — if the
/// commit finished but its answer was lost on the way back — SMTP's at-least-once rule allows a duplicate). When ingest stored
/// nothing because every recipient's maildrop is over its quota (<see cref="IngestResult.Stored"/> false), the
/// answer is 552 5.2.2, permanent (RFC 5321 §4.5.3.1.10): the client must not retry it unchanged. A refusal of the
/// whole message by the silo's checks (<see cref="IngestResult.Refusal"/>: DMARC) is answered with its verdict's reply.
/// The call carries a deadline (<see cref="IngestCallBudget"/>) short of the grain call's timeout: the grain commits
/// only before it, so the 451 given when the call fails or times out is never for a message that was stored.
/// </summary>
public sealed class GrainMessageSink(IGrainFactory grains, IngestCallBudget budget, TimeProvider time, ILogger<GrainMessageSink> logger) : IMessageSink
{
    public async ValueTask<SmtpReply> CommitAsync(SmtpEnvelope envelope, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        // Routes were decided at RCPT time by the silo's policy; the session hands them back as they were.
        var routes = envelope.Recipients
            .Select(r => r.Route as RecipientRoute ?? throw new InvalidOperationException($"Route '{r.Route}' was not made by the session policy."))
            .ToArray();
        var sender = envelope.Sender.Mailbox?.ToString() ?? "";
        using var activity = GatewayTelemetry.Source.StartActivity("smtp.commit");
        activity?.SetTag("emailai.queue_id", envelope.QueueId);
        activity?.SetTag("emailai.recipients", envelope.Recipients.Count);
        activity?.SetTag("emailai.size", content.Length);
        var started = Stopwatch.GetTimestamp();
        IngestResult result;
        try
        {
            var client = new IngestClient(envelope.RemoteAddress, envelope.HeloName, envelope.AuthenticatedIdentity);
            var request = new IngestRequest(envelope.QueueId, sender, routes, envelope.ReceivedAt, content.ToArray(), client, time.GetUtcNow() + budget.CommitWithin, Activity.Current?.Id);
            result = await grains.GetGrain<IIngestGrain>(0).DeliverAsync(request).WaitAsync(cancellationToken);
        }
        catch (InsufficientStorageException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The store is full: nothing was committed; 452 4.3.1 tells the client it is our space, not its message.
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            GatewayTelemetry.MessagesFailed.Add(1);
            logger.LogError("Commit of {QueueId} from <{Sender}> failed: {Error}; answered 452", envelope.QueueId, sender, ex.Message);
            return SmtpReplies.InsufficientStorage;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            GatewayTelemetry.MessagesFailed.Add(1);
            logger.LogError(ex, "Commit of {QueueId} from <{Sender}> failed; answered 451", envelope.QueueId, sender);
            return SmtpReplies.TemporaryFailure;
        }

        if (result.Refusal is { } refusal)
        {
            // A check of the whole message (DMARC) refused it or could not finish; nothing was committed.
            logger.LogInformation(
                "Refused {QueueId} from <{Sender}> [{RemoteAddress}]: {Reason}; answered {Code} {EnhancedCode}",
                envelope.QueueId, sender, envelope.RemoteAddress, refusal.Reason, refusal.Code, refusal.EnhancedCode);
            return refusal.ToReply();
        }

        if (!result.Stored)
        {
            // Not a failed commit (MessagesFailed counts 451s): the reply counter counts it by its code.
            logger.LogInformation(
                "Refused {QueueId} from <{Sender}> [{RemoteAddress}]: every recipient's maildrop is over its quota ({Maildrops}); answered 552 5.2.2",
                envelope.QueueId, sender, envelope.RemoteAddress, string.Join(", ", result.OverQuota));
            return SmtpReplies.MailboxFull;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        GatewayTelemetry.CommitDuration.Record(elapsed.TotalMilliseconds);
        GatewayTelemetry.MessagesAccepted.Add(1, new KeyValuePair<string, object?>("direction", routes.Any(r => r is RelayRoute) ? "relay" : "inbound"));
        GatewayTelemetry.BytesAccepted.Add(content.Length);
        logger.LogInformation(
            "Accepted {QueueId} from <{Sender}> [{RemoteAddress}] for {RecipientCount} recipient(s), {Size} octets, committed in {CommitMs:F1} ms",
            envelope.QueueId, sender, envelope.RemoteAddress, envelope.Recipients.Count, content.Length, elapsed.TotalMilliseconds);
        return SmtpReplies.MessageAccepted(envelope.QueueId);
    }
}
