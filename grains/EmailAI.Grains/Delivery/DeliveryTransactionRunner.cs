using System.Diagnostics;
using EmailAI.Contracts;
using EmailAI.Grains.DkimSigning;
using EmailAI.Protocols.Smtp;
using EmailAI.Protocols.SmtpClient;
using EmailAI.Storage;
using Microsoft.Extensions.Logging;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// Opens connections to a destination's hosts, runs one job's SMTP transaction on an open connection, and
/// records what each recipient's reply means (<see cref="DeliveryDecision"/>): 2xx removes the row, 4xx defers
/// it with backoff, 5xx or expiry bounces it through the <see cref="DeliveryNotifier"/>. It keeps no state of
/// its own between calls; the scheduler decides which job goes on which connection.
/// <para>
/// Claims: before a job is sent its rows are claimed in the store for <paramref name="owner"/> (this
/// activation) for <see cref="DeliveryOptions.ClaimDuration"/>, renewed while the transaction runs. Only rows
/// claimed are sent, so a row deleted by an admin is not sent, and a row another activation of the same
/// destination holds is left to it. A row deleted while its transaction is in flight has nothing recorded
/// back (removing or deferring a missing row changes nothing) and is never reported in a DSN: the notifier
/// commits only with <see cref="StoreDelivery.RequiresRows"/>. It may still have reached the remote server:
/// a DELETE cannot recall a transaction already under way.
/// </para>
/// </summary>
internal sealed class DeliveryTransactionRunner(IMessageStore store, DeliveryNotifier notifier, DkimOutboundSigner dkim, DeliveryOptions options, TimeProvider time, ILogger logger, string owner)
{
    /// <summary>Retries of one failed store write while recording results, each waiting a second longer.</summary>
    private const int RecordRetries = 4;

    private static readonly TimeSpan RecordRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Tries the route's hosts in order; TLS that fails to start is retried on the same host in plaintext.</summary>
    public async Task<(SmtpDeliveryClient? Client, SmtpReply? Error)> ConnectAsync(DeliveryRoute route)
    {
        var heloName = options.HeloName ?? Environment.MachineName;
        SmtpReply? last = null;
        foreach (var target in route.Targets)
        {
            foreach (var tls in options.OpportunisticTls ? new[] { true, false } : [false])
            {
                try
                {
                    return (await SmtpDeliveryClient.ConnectAsync(target, heloName, tls, options, CancellationToken.None), null);
                }
                catch (TlsHandshakeException ex)
                {
                    logger.LogWarning("{Message}; trying {Target} without TLS", ex.Message, target);
                    last = new SmtpReply(451, "4.7.5", ex.Message);
                }
                catch (SmtpRejectedException ex)
                {
                    logger.LogInformation("{Target} refused the session: {Message}", target, ex.Message);
                    last = ex.Reply.IsPositive ? new SmtpReply(451, "4.4.2", ex.Message) : ex.Reply;
                    break;
                }
                catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or TimeoutException or SmtpProtocolException)
                {
                    logger.LogInformation("Cannot deliver to {Target}: {Message}", target, ex.Message);
                    last = new SmtpReply(451, "4.4.1", $"connect to {target} failed: {ex.Message}");
                    break;
                }
            }
        }

        // A refused greeting is the server's answer for this attempt, never a reason to bounce: RFC 5321 §3.1.
        return (null, last is { IsPermanentFailure: true } ? new SmtpReply(451, "4.4.2", string.Join(" ", last.Lines)) : last);
    }

    /// <summary>
    /// Sends one job on the connection and records the outcome. <see cref="DeliveryResult.Broken"/> when the
    /// connection is no longer usable; <see cref="DeliveryResult.Recorded"/> false when the store would not take
    /// the results (the caller holds the rows a while).
    /// </summary>
    public async Task<DeliveryResult> SendAsync(SmtpDeliveryClient client, DeliveryJob loaded)
    {
        var nothing = new DeliveryResult(Broken: false, Recorded: true);
        DeliveryJob? job;
        byte[]? content;
        try
        {
            job = await ClaimAsync(loaded);
            if (job is null)
            {
                // Deleted meanwhile, or another activation of this destination holds the rows.
                return nothing;
            }

            content = await store.ReadOutboundAsync(job.MessageId);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Claiming or reading message {MessageId} failed", loaded.MessageId);
            await TryReleaseAsync(loaded);
            return nothing;
        }

        if (content is null)
        {
            // Removed meanwhile (an admin deleted it): nothing to send.
            return nothing;
        }

        if (client.NeedsSevenBit(content))
        {
            try
            {
                // Null when it cannot be converted: the transaction then bounces it with 5.6.3.
                content = await dkim.DowngradeAsync(content, job.QueueId) ?? content;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Signing the 7-bit copy of {QueueId} for {Target} failed", job.QueueId, client.Target);
                var later = new SmtpReply(451, "4.3.0", "the DKIM key to sign the 7-bit copy could not be read; trying again later");
                return new DeliveryResult(Broken: false, await RecordAsync(job, [.. job.Rows.Select(_ => later)], client.Target.Host, content));
            }
        }

        // In the trace of the transaction that queued the message, hours later and on any silo; its log lines carry that trace id.
        using var attempt = SiloTracing.Start("smtp.delivery", ActivityKind.Client, job.TraceParent);
        attempt.SetTag("emailai.queue_id", job.QueueId);
        attempt.SetTag("emailai.destination", job.Rows[0].Destination);
        attempt.SetTag("server.address", client.Target.Host);
        attempt.SetTag("smtp.recipients", job.Rows.Count);
        using var renewal = new CancellationTokenSource();
        var renewing = RenewWhileSendingAsync(job, renewal.Token);

        var (replies, broken) = await TransactAllAsync(client, job, content);
        attempt.SetTag("smtp.delivered", replies.Count(r => r.IsPositive));
        if (replies.Any(r => !r.IsPositive))
        {
            attempt.SetStatus(ActivityStatusCode.Error, replies.First(r => !r.IsPositive).ToSingleLine());
        }

        await renewal.CancelAsync();
        await renewing;
        var recorded = await RecordAsync(job, replies, client.Target.Host, content);
        return new DeliveryResult(broken || client.IsBroken, recorded);
    }

    /// <summary>
    /// Sends the job's rows in transactions of at most <see cref="DeliveryOptions.MaxRecipientsPerTransaction"/>
    /// recipients, one after another on the connection. Recipients the server postponed (452 or 552 to RCPT)
    /// go again in the next transaction at once, as long as the last one accepted someone; a transaction
    /// that accepted no one ends the job, and the postponed rows are deferred with the server's 452. Returns
    /// one reply per row, in row order, and whether the connection broke.
    /// </summary>
    private async Task<(SmtpReply[] Replies, bool Broken)> TransactAllAsync(SmtpDeliveryClient client, DeliveryJob job, byte[] content)
    {
        var replies = new SmtpReply[job.Rows.Count];
        var pending = new List<int>(Enumerable.Range(0, job.Rows.Count));
        var cap = Math.Max(1, options.MaxRecipientsPerTransaction);
        while (pending.Count > 0)
        {
            var batch = pending.Take(cap).ToList();
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            SmtpTransactionResult result;
            try
            {
                result = await client.TransactAsync(job.Sender, [.. batch.Select(i => job.Rows[i].Recipient)], content, CancellationToken.None);
            }
            catch (Exception ex)
            {
                // The outcome is unknown (the connection broke): retry later. If the remote side did take the
                // message, this is the one resend at-least-once delivery allows.
                logger.LogInformation("Connection to {Target} broke while sending {QueueId}: {Message}", client.Target, job.QueueId, ex.Message);
                var lost = new SmtpReply(451, "4.4.2", $"lost connection with {client.Target.Host}: {ex.Message}");
                foreach (var i in pending)
                {
                    replies[i] = lost;
                }

                return (replies, true);
            }
            finally
            {
                DeliveryMetrics.TransactionDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            var postponed = new List<int>();
            for (var k = 0; k < batch.Count; k++)
            {
                replies[batch[k]] = result.Replies[k];
                if (result.Postponed[k])
                {
                    postponed.Add(batch[k]);
                }
            }

            var rest = pending.Skip(batch.Count).ToList();
            if (postponed.Count > 0 && !result.AnyRecipientAccepted)
            {
                // The server took no one this time: the postponed rows wait for their backoff (their reply is
                // the 452), and so does the rest, rather than a loop of refused transactions.
                foreach (var i in rest)
                {
                    replies[i] = replies[postponed[0]];
                }

                break;
            }

            pending = [.. postponed, .. rest];
            if (client.IsBroken)
            {
                var unusable = new SmtpReply(451, "4.4.2", $"connection with {client.Target.Host} unusable after the last transaction");
                foreach (var i in pending)
                {
                    replies[i] = unusable;
                }

                break;
            }
        }

        return (replies, false);
    }

    /// <summary>
    /// Records the same failure for every row of a job that was never sent (no route, no host would talk to us):
    /// only for the rows this activation can claim, so rows another activation is sending are left to it.
    /// False when the store would not take the results.
    /// </summary>
    public async Task<bool> FailAsync(DeliveryJob loaded, SmtpReply reply)
    {
        DeliveryJob? job;
        try
        {
            job = await ClaimAsync(loaded);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Claiming message {MessageId} failed", loaded.MessageId);
            return false;
        }

        return job is null || await RecordAsync(job, Enumerable.Repeat(reply, job.Rows.Count).ToArray(), remoteMta: null, content: null);
    }

    /// <summary>The job with only the rows this activation could claim, or null when it got none.</summary>
    private async Task<DeliveryJob?> ClaimAsync(DeliveryJob job)
    {
        var now = time.GetUtcNow();
        var claimed = (await store.ClaimAsync([.. job.Rows.Select(r => r.Id)], owner, now, now + options.ClaimDuration)).ToHashSet();
        if (claimed.Count < job.Rows.Count)
        {
            logger.LogInformation("{QueueId}: {Count} of its rows for {Destination} are deleted or claimed elsewhere; not sent from here", job.QueueId, job.Rows.Count - claimed.Count, job.Rows[0].Destination);
        }

        return claimed.Count == 0 ? null : new DeliveryJob([.. job.Rows.Where(r => claimed.Contains(r.Id))]);
    }

    /// <summary>Extends the job's claim every third of its duration until cancelled; a failed renewal is logged and tried again next time.</summary>
    private async Task RenewWhileSendingAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        // Never a spin, whatever the configuration says.
        var interval = TimeSpan.FromTicks(Math.Max(options.ClaimDuration.Ticks / 3, TimeSpan.TicksPerSecond));
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, cancellationToken);
                try
                {
                    var now = time.GetUtcNow();
                    await store.ClaimAsync([.. job.Rows.Select(r => r.Id)], owner, now, now + options.ClaimDuration, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Renewing the claim on {QueueId} failed", job.QueueId);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task TryReleaseAsync(DeliveryJob job)
    {
        try
        {
            await store.ReleaseClaimAsync([.. job.Rows.Select(r => r.Id)], owner);
        }
        catch (Exception ex)
        {
            // The claim lapses on its own.
            logger.LogWarning(ex, "Releasing the claim on {QueueId} failed", job.QueueId);
        }
    }

    /// <summary>
    /// Records one reply per row: removes, defers or bounces. The rows must be claimed by this activation. Each store step runs once: a step that failed is
    /// retried a few times, one that succeeded is not repeated (a second bounce commit would send a second DSN).
    /// False when the store kept refusing: the rows' results are not recorded.
    /// </summary>
    public async Task<bool> RecordAsync(DeliveryJob job, IReadOnlyList<SmtpReply> replies, string? remoteMta, byte[]? content)
    {
        var now = time.GetUtcNow();
        var delivered = new List<long>();
        var deferred = new List<(QueuedRecipient Row, SmtpReply Reply)>();
        var bounced = new List<(QueuedRecipient Row, SmtpReply Reply)>();
        for (var i = 0; i < job.Rows.Count; i++)
        {
            var row = job.Rows[i];
            var (outcome, reply) = DeliveryDecision.Classify(row, replies[i], now, options);
            DeliveryMetrics.Recipients.Add(1, new KeyValuePair<string, object?>("outcome", outcome switch
            {
                DeliveryOutcome.Delivered => "sent",
                DeliveryOutcome.Bounced => "bounced",
                _ => "deferred",
            }));
            switch (outcome)
            {
                case DeliveryOutcome.Delivered:
                    delivered.Add(row.Id);
                    logger.LogInformation("{QueueId}: to=<{Recipient}> relay={Relay} status=sent ({Reply})", row.QueueId, row.Recipient, remoteMta ?? "none", EmailAI.Protocols.Common.LogText.Escape(reply.ToSingleLine()));
                    break;
                case DeliveryOutcome.Bounced:
                    bounced.Add((row, reply));
                    break;
                default:
                    deferred.Add((row, reply));
                    break;
            }
        }

        foreach (var (row, reply) in deferred)
        {
            logger.LogInformation("{QueueId}: to=<{Recipient}> relay={Relay} status=deferred ({Reply})", row.QueueId, row.Recipient, remoteMta ?? "none", EmailAI.Protocols.Common.LogText.Escape(reply.ToSingleLine()));
        }

        var steps = new Queue<Func<Task>>();
        if (delivered.Count > 0)
        {
            steps.Enqueue(() => store.CompleteAsync(delivered));
        }

        // One write per distinct (attempt count, error): usually one for the whole message.
        foreach (var group in deferred.GroupBy(d => (d.Row.Attempts, Error: d.Reply.ToSingleLine())))
        {
            long[] ids = [.. group.Select(d => d.Row.Id)];
            steps.Enqueue(() => store.DeferAsync(ids, now + options.BackoffAfter(group.Key.Attempts + 1), group.Key.Error, now, remoteMta));
        }

        if (bounced.Count > 0)
        {
            steps.Enqueue(() => notifier.BounceAsync(job, bounced, remoteMta, content, now));
        }

        steps.Enqueue(() => notifier.WarnOfDelayAsync(job, deferred, remoteMta, now));
        for (var failures = 0; steps.Count > 0;)
        {
            try
            {
                await steps.Peek()();
                steps.Dequeue();
            }
            catch (Exception ex) when (++failures <= RecordRetries)
            {
                logger.LogWarning(ex, "Recording delivery results of {QueueId} failed; retrying", job.QueueId);
                await Task.Delay(RecordRetryDelay * failures);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Recording delivery results of {QueueId} failed", job.QueueId);
                return false;
            }
        }

        return true;
    }
}
