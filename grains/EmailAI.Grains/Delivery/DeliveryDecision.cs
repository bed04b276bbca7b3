using EmailAI.Contracts;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Grains.Delivery;

/// <summary>The pure decision of what one recipient's reply means; no I/O, so it is tested on a fake clock.</summary>
public static class DeliveryDecision
{
    /// <summary>
    /// 2xx delivered; 5xx bounced; 4xx (and every local failure, which is reported as 4xx) deferred, unless the
    /// message has been queued for the maximal lifetime, when it bounces with 5.4.7 and the last error.
    /// </summary>
    public static (DeliveryOutcome Outcome, SmtpReply Reply) Classify(QueuedRecipient row, SmtpReply reply, DateTimeOffset now, DeliveryOptions options)
    {
        if (reply.IsPositive)
        {
            return (DeliveryOutcome.Delivered, reply);
        }

        if (reply.IsPermanentFailure)
        {
            return (DeliveryOutcome.Bounced, reply);
        }

        return now - row.ReceivedAt >= options.MaximalLifetime
            ? (DeliveryOutcome.Bounced, new SmtpReply(550, "5.4.7", $"message expired after {FormatLifetime(options.MaximalLifetime)} in the queue; last error: {reply.ToSingleLine()}"))
            : (DeliveryOutcome.Deferred, reply);
    }

    private static string FormatLifetime(TimeSpan lifetime) =>
        lifetime >= TimeSpan.FromDays(1) ? $"{lifetime.TotalDays:0.#} days" : lifetime >= TimeSpan.FromHours(1) ? $"{lifetime.TotalHours:0.#} hours" : $"{lifetime.TotalSeconds:0} seconds";
}
