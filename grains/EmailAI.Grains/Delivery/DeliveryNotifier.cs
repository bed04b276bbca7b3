using System.Diagnostics;
using System.Text;
using EmailAI.Contracts;
using EmailAI.Grains.DkimSigning;
using EmailAI.Protocols.Smtp;
using EmailAI.Storage;
using Microsoft.Extensions.Logging;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// Notices to the envelope sender (RFC 3464 DSNs): a bounce for recipients that failed for good, and one
/// "still trying" warning per recipient once it has waited <see cref="DeliveryOptions.DelayWarningAfter"/>.
/// A notice is committed in the same store transaction that removes the rows it reports on (bounce) or marks
/// them warned (delay), so it goes exactly once or not at all. Never a notice to the null sender
/// (RFC 5321 §4.5.5). Where the notice goes comes from <see cref="LocalSender"/>: a local account's maildrop,
/// or the outbound queue of the sender's domain with the null sender. A notice reports only rows this
/// activation holds a claim on at the time (claimed for <paramref name="owner"/>), and is committed with
/// <see cref="StoreDelivery.RequiresRows"/>: a row an admin deleted, or another activation is handling, is
/// never reported.
/// </summary>
internal sealed class DeliveryNotifier(IMessageStore store, IGrainFactory grains, DeliveryOptions options, TimeProvider time, ILogger logger, string owner, DkimOutboundSigner dkim)
{
    /// <summary>Tries of one notice whose rows went while it was being committed.</summary>
    private const int GoneRetries = 3;

    private string ReportingMta => options.HeloName ?? Environment.MachineName;

    /// <summary>Bounces <paramref name="bounced"/>: their rows go and one DSN reports them. Safe to repeat only if it threw.</summary>
    public async Task BounceAsync(DeliveryJob job, IReadOnlyList<(QueuedRecipient Row, SmtpReply Reply)> bounced, string? remoteMta, byte[]? content, DateTimeOffset now)
    {
        foreach (var (row, reply) in bounced)
        {
            logger.LogInformation("{QueueId}: to=<{Recipient}> relay={Relay} status=bounced ({Reply})", row.QueueId, row.Recipient, remoteMta ?? "none", EmailAI.Protocols.Common.LogText.Escape(reply.ToSingleLine()));
        }

        var ids = bounced.Select(b => b.Row.Id).ToArray();
        if (job.Sender.Length == 0)
        {
            // Never a bounce of a bounce (RFC 5321 §4.5.5): the rows just go.
            await store.CompleteAsync(ids);
            return;
        }

        await NotifyAsync(job, bounced, delayed: false, remoteMta, content, now);
    }

    /// <summary>Sends one delay warning for the deferred rows that have waited long enough and were not warned yet.</summary>
    public async Task WarnOfDelayAsync(DeliveryJob job, IReadOnlyList<(QueuedRecipient Row, SmtpReply Reply)> deferred, string? remoteMta, DateTimeOffset now)
    {
        if (options.DelayWarningAfter <= TimeSpan.Zero || job.Sender.Length == 0)
        {
            return;
        }

        var due = deferred.Where(d => !d.Row.DelayWarned && now - d.Row.ReceivedAt >= options.DelayWarningAfter).ToList();
        if (due.Count == 0)
        {
            return;
        }

        try
        {
            await NotifyAsync(job, due, delayed: true, remoteMta, content: null, now);
        }
        finally
        {
            // The rows stay queued: the claim taken for the notice must not hold back their next attempt.
            await store.ReleaseClaimAsync([.. due.Select(d => d.Row.Id)], owner);
        }
    }

    /// <summary>
    /// Builds and commits one DSN for the rows still held (claimed now for this activation): a bounce removes
    /// them, a delay warning marks them warned. Rows that went meanwhile are dropped from the notice; none left,
    /// no notice.
    /// </summary>
    private async Task NotifyAsync(DeliveryJob job, IReadOnlyList<(QueuedRecipient Row, SmtpReply Reply)> rows, bool delayed, string? remoteMta, byte[]? content, DateTimeOffset now)
    {
        for (var attempt = 1; ; attempt++)
        {
            var claimedAt = time.GetUtcNow();
            var held = (await store.ClaimAsync([.. rows.Select(r => r.Row.Id)], owner, claimedAt, claimedAt + options.ClaimDuration)).ToHashSet();
            var reported = rows.Where(r => held.Contains(r.Row.Id)).ToList();
            if (reported.Count < rows.Count)
            {
                logger.LogInformation("{QueueId}: {Count} recipient(s) deleted or handled elsewhere; not in the sender notice", job.QueueId, rows.Count - reported.Count);
            }

            if (reported.Count == 0)
            {
                return;
            }

            content ??= await store.ReadOutboundAsync(job.MessageId) ?? [];
            if (SenderFailedAuthentication(content))
            {
                // Inbound mail (Advanced Delivery) whose sender SPF or DMARC refuted: a bounce or a delay warning would
                // go to a likely forged address (backscatter), carrying the forger's text. A bounce's rows go and a
                // warning's rows are marked warned, with a log line, as when no notice can be sent.
                logger.LogWarning(
                    "{QueueId}: no {Notice} to <{Sender}>: the message failed SPF or DMARC when it came in",
                    job.QueueId, delayed ? "delay warning" : "bounce", job.Sender);
                long[] settled = [.. reported.Select(r => r.Row.Id)];
                await SettleWithoutNotificationAsync(delayed ? [] : settled, delayed ? settled : null);
                return;
            }

            var dsn = DsnBuilder.Build(
                ReportingMta, job.Rows[0], content,
                [.. reported.Select(r => new DsnRecipient(r.Row.Recipient, r.Reply, remoteMta, now))],
                delayed, now, job.Rows[0].ReceivedAt + options.MaximalLifetime, options.MaxDsnHeaderBytes);
            long[] ids = [.. reported.Select(r => r.Row.Id)];
            try
            {
                await CommitAsync(job, dsn, completes: delayed ? [] : ids, now, warned: delayed ? ids : null);
                return;
            }
            catch (QueueRowsGoneException) when (attempt < GoneRetries)
            {
                // An admin deleted some of them between the claim and the commit: nothing was written; again without them.
            }
        }
    }

    /// <summary>
    /// Commits a DSN to the envelope sender, removing <paramref name="completes"/> in the same transaction: into
    /// the sender's maildrop when the sender is a local account, otherwise queued for delivery with the null sender.
    /// <paramref name="warned"/> rows are marked as warned of delay in that transaction too, so a delay warning goes once.
    /// </summary>
    private async Task CommitAsync(DeliveryJob job, byte[] dsn, IReadOnlyCollection<long> completes, DateTimeOffset now, IReadOnlyCollection<long>? warned = null)
    {
        var sender = job.Sender;
        var queueId = SmtpQueueId.New(now);
        var found = await LocalSender.ResolveAsync(grains, sender);
        if (found is null)
        {
            // A sender address no route can reach (no domain, a single label, an address literal): the DSN
            // would wait in a queue nothing delivers. It is dropped, like a bounce to <>.
            logger.LogWarning("DSN for {QueueId} dropped: sender <{Sender}> has no deliverable domain", job.QueueId, sender);
            await SettleWithoutNotificationAsync(completes, warned);
            return;
        }

        var (domainKey, resolution) = found.Value;
        StoreDelivery delivery;
        string? destination = null;
        switch (resolution.Kind)
        {
            case RecipientKind.Mailbox:
                var withReturnPath = Encoding.ASCII.GetBytes("Return-Path: <>\r\n").Concat(dsn).ToArray();
                delivery = new StoreDelivery(new StoredMessage(queueId, "", now, withReturnPath), [resolution.Mailbox!], null, completes)
                {
                    MarksDelayWarned = warned ?? [],
                    RequiresRows = true,
                };
                break;
            case RecipientKind.UnknownUser or RecipientKind.Postmaster:
                logger.LogWarning("DSN for {QueueId} dropped: sender <{Sender}> is in a local domain but has no account", job.QueueId, sender);
                await SettleWithoutNotificationAsync(completes, warned);
                return;
            default:
                // Remote, or Advanced Delivery (a whole domain, or one account that is its own destination).
                destination = resolution.Kind == RecipientKind.Forward ? resolution.Mailbox ?? domainKey : domainKey;

                // Signed with the server domain's key when it has one (issue 13); a lookup failure throws, and the
                // notice is tried again with the rows it reports on, which are still queued.
                var signed = await dkim.SignNoticeAsync(dsn, queueId);
                delivery = new StoreDelivery(null, [], new OutboundMessage(new StoredMessage(queueId, "", now, signed), [new OutboundRecipient(sender, destination)], now) { TraceParent = job.TraceParent ?? Activity.Current?.Id }, completes)
                {
                    MarksDelayWarned = warned ?? [],
                    RequiresRows = true,
                };
                break;
        }

        await store.CommitAsync(delivery);
        logger.LogInformation("{QueueId}: sender notification {DsnQueueId} for <{Sender}> committed", job.QueueId, queueId, sender);
        if (destination is not null)
        {
            grains.GetGrain<IDeliveryGrain>(destination).WakeAsync().Ignore();
        }
    }

    /// <summary>No notice can be sent: the rows a bounce reports on go, and warned rows are marked, without a DSN.</summary>
    private async Task SettleWithoutNotificationAsync(IReadOnlyCollection<long> completes, IReadOnlyCollection<long>? warned)
    {
        if (completes.Count > 0)
        {
            await store.CompleteAsync(completes);
        }

        if (warned is { Count: > 0 })
        {
            await store.MarkDelayWarnedAsync(warned);
        }
    }

    /// <summary>
    /// True when the stored message starts with our Authentication-Results field (ingest puts it first on every inbound
    /// copy, after removing any a sender wrote with our authserv-id; relayed copies start with our Received field) and it
    /// records <c>spf=fail</c>, <c>spf=softfail</c> or <c>dmarc=fail</c>.
    /// </summary>
    internal static bool SenderFailedAuthentication(ReadOnlySpan<byte> content)
    {
        const string Name = "Authentication-Results:";
        if (content.Length < Name.Length || !System.Text.Ascii.EqualsIgnoreCase(content[..Name.Length], System.Text.Encoding.ASCII.GetBytes(Name)))
        {
            return false;
        }

        // The field: its first line and the folded lines after it.
        var end = 0;
        while (true)
        {
            var lf = content[end..].IndexOf((byte)'\n');
            end = lf < 0 ? content.Length : end + lf + 1;
            if (lf < 0 || end >= content.Length || content[end] is not ((byte)' ' or (byte)'\t'))
            {
                break;
            }
        }

        var field = System.Text.Encoding.ASCII.GetString(content[..end]);
        return System.Text.RegularExpressions.Regex.IsMatch(field, @"(?<![\w.-])(spf=(fail|softfail)|dmarc=fail)(?![\w.-])", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
    }
}
