using System.Text;
using EmailAI.Contracts;
using EmailAI.Protocols.Smtp;
using EmailAI.Protocols.SmtpClient;
using EmailAI.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// Delivers the queued mail of one destination domain over SMTP. Durable state is the queue rows in the
/// store; in memory are only the rows loaded (claimed) and the connections.
/// <list type="bullet">
/// <item>Parallel connections: up to <see cref="DeliveryOptions.MaxConnectionsPerDestination"/>, starting at
/// <see cref="DeliveryOptions.InitialConnectionsPerDestination"/> and growing by one with each connection
/// that delivers (slow start); a destination that cannot be reached drops back to one. One activation per
/// destination in the cluster, so the limit is cluster-wide.</item>
/// <item>Each connection sends message after message (a message's recipients at this destination in one
/// transaction) until none is due or <see cref="DeliveryOptions.MaxMessagesPerConnection"/> is reached.</item>
/// <item>Per recipient: 2xx removes the row; 4xx, timeouts and connection or TLS failures retry with
/// doubling backoff; 5xx, or a message older than <see cref="DeliveryOptions.MaximalLifetime"/>, bounces: a
/// DSN to the envelope sender (never to &lt;&gt;) is committed in the same transaction that removes the rows.</item>
/// <item>At-least-once: a row is removed only after the remote 250; a crash between the two may send once more.</item>
/// </list>
/// All code runs on the activation's scheduler (connection loops are tasks started from grain turns), so the
/// in-memory fields need no locks.
/// </summary>
public sealed class DeliveryGrain(
    IMessageStore store,
    DeliveryRouter router,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<DeliveryGrain> logger) : Grain, IDeliveryGrain
{
    private readonly Queue<Job> _waiting = new();
    private readonly HashSet<long> _claimed = [];
    private DeliveryOptions Options => options.Value;
    private int _connections;
    private int _limit;
    private Task? _load;
    private bool _loadAgain;
    private IGrainTimer? _timer;

    private string Destination => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _limit = Math.Clamp(Options.InitialConnectionsPerDestination, 1, Math.Max(1, Options.MaxConnectionsPerDestination));
        return Task.CompletedTask;
    }

    public Task WakeAsync()
    {
        _ = LoadAndStartAsync();
        return Task.CompletedTask;
    }

    public Task<DeliveryActivity> GetActivityAsync() => Task.FromResult(new DeliveryActivity(_connections, _limit, _waiting.Count));

    /// <summary>Loads due rows not yet claimed, opens connections for them, and sets the timer when there is nothing to do.</summary>
    private async Task LoadAndStartAsync()
    {
        await LoadAsync();
        StartConnections();
        await ScheduleWhenIdleAsync();
    }

    /// <summary>
    /// One load at a time. A wake that arrives during a load asks for one more pass after it, so a burst of
    /// wakes (one per accepted message) costs two reads, not one per message; every caller awaits the same load.
    /// </summary>
    private Task LoadAsync()
    {
        if (_load is not null)
        {
            _loadAgain = true;
            return _load;
        }

        return _load = LoadPassesAsync();
    }

    private async Task LoadPassesAsync()
    {
        try
        {
            do
            {
                _loadAgain = false;

                // Let wakes already queued for this activation run first and merge into this pass.
                await Task.Yield();
                if (_waiting.Count >= Options.BatchSize)
                {
                    // Enough in hand; connections load again when it runs low.
                    break;
                }

                var rows = await store.ListDueAsync(Destination, time.GetUtcNow(), Options.BatchSize);
                foreach (var group in rows.Where(r => !_claimed.Contains(r.Id)).GroupBy(r => r.MessageId))
                {
                    var job = new Job([.. group]);
                    foreach (var row in job.Rows)
                    {
                        _claimed.Add(row.Id);
                    }

                    _waiting.Enqueue(job);
                }
            }
            while (_loadAgain);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Loading the queue of {Destination} failed; trying again later", Destination);
            Schedule(TimeSpan.FromSeconds(30));
        }
        finally
        {
            _load = null;
        }
    }

    private void StartConnections()
    {
        if (_waiting.Count > 0)
        {
            // Busy: stay activated while connections run (a new message or a timer extends it again).
            DelayDeactivation(Options.DataDoneTimeout + Options.CommandTimeout * 4);
        }

        while (_connections < _limit && _connections < _waiting.Count)
        {
            _connections++;
            _ = RunConnectionAsync();
        }
    }

    /// <summary>One connection: resolve, connect (next host on failure), then send waiting jobs until none is left.</summary>
    private async Task RunConnectionAsync()
    {
        try
        {
            DeliveryRoute route;
            try
            {
                route = await router.ResolveAsync(Destination, CancellationToken.None);
            }
            catch (Exception ex)
            {
                // A grain or DNS call that threw: a temporary failure of this attempt like any other.
                logger.LogWarning(ex, "Route lookup for {Destination} failed", Destination);
                route = DeliveryRoute.Fail(451, "4.4.3", $"route lookup for {Destination} failed: {ex.GetType().Name}");
            }

            if (route.Failure is not null || route.Targets.Count == 0)
            {
                var failure = route.Failure ?? new SmtpReply(451, "4.4.3", $"no address for {Destination}");
                logger.LogWarning("No route to {Destination}: {Reply}", Destination, failure.ToString().TrimEnd());
                await FailAllWaitingAsync(failure, null);
                return;
            }

            var (client, error) = await ConnectAsync(route);
            DeliveryMetrics.Connections.Add(1, new KeyValuePair<string, object?>("result", client is null ? "failed" : "opened"));
            if (client is null)
            {
                if (_connections > 1)
                {
                    // Other connections are delivering: the remote side wants fewer (421 "too many connections").
                    // Stay at what works; the waiting mail goes over those.
                    _limit = Math.Max(1, _connections - 1);
                    return;
                }

                _limit = 1;
                await FailAllWaitingAsync(error!, null);
                return;
            }

            DeliveryMetrics.OpenConnections.Add(1);
            await using var opened = client;
            try
            {
                var sent = 0;
                while (sent < Options.MaxMessagesPerConnection)
                {
                    if (!_waiting.TryDequeue(out var job))
                    {
                        // Mail that came in meanwhile goes on this open connection rather than a new one.
                        await LoadAsync();
                        if (!_waiting.TryDequeue(out job))
                        {
                            break;
                        }
                    }

                    var broken = await SendJobAsync(client, job);
                    sent++;
                    if (broken)
                    {
                        return;
                    }

                    if (sent == 1 && _limit < Options.MaxConnectionsPerDestination)
                    {
                        // Slow start: a connection that delivered earns the destination one more.
                        _limit++;
                        StartConnections();
                    }
                }

                await client.QuitAsync();
            }
            finally
            {
                DeliveryMetrics.OpenConnections.Add(-1);
            }
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Delivery to {Destination} failed unexpectedly", Destination);

            // Not at once again: a fault that repeats must not spin.
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        finally
        {
            _connections--;
            if (_waiting.Count > 0)
            {
                StartConnections();
            }
            else if (_connections == 0)
            {
                _ = LoadAndStartAsync();
            }
        }
    }

    /// <summary>Tries the route's hosts in order; TLS that fails to start is retried on the same host in plaintext.</summary>
    private async Task<(SmtpDeliveryClient? Client, SmtpReply? Error)> ConnectAsync(DeliveryRoute route)
    {
        var heloName = Options.HeloName ?? Environment.MachineName;
        SmtpReply? last = null;
        foreach (var target in route.Targets)
        {
            foreach (var tls in Options.OpportunisticTls ? new[] { true, false } : [false])
            {
                try
                {
                    return (await SmtpDeliveryClient.ConnectAsync(target, heloName, tls, Options, CancellationToken.None), null);
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

    /// <summary>Sends one job on the connection and records the outcome. True when the connection is no longer usable.</summary>
    private async Task<bool> SendJobAsync(SmtpDeliveryClient client, Job job)
    {
        byte[]? content;
        try
        {
            content = await store.ReadOutboundAsync(job.MessageId);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Reading message {MessageId} failed", job.MessageId);
            Release(job);
            return false;
        }

        if (content is null)
        {
            // Removed meanwhile (an admin deleted it): nothing to send.
            Release(job);
            return false;
        }

        IReadOnlyList<SmtpReply> replies;
        var broken = false;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            replies = await client.SendAsync(job.Sender, [.. job.Rows.Select(r => r.Recipient)], content, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The outcome is unknown (the connection broke): retry later. If the remote side did take the
            // message, this is the one resend at-least-once delivery allows.
            logger.LogInformation("Connection to {Target} broke while sending {QueueId}: {Message}", client.Target, job.Rows[0].QueueId, ex.Message);
            replies = Enumerable.Repeat(new SmtpReply(451, "4.4.2", $"lost connection with {client.Target.Host}: {ex.Message}"), job.Rows.Count).ToArray();
            broken = true;
        }

        DeliveryMetrics.TransactionDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        await RecordAsync(job, replies, client.Target.Host, content);
        return broken || client.IsBroken;
    }

    /// <summary>Defers or bounces every waiting job with the same reply (no route, or no host would talk to us).</summary>
    private async Task FailAllWaitingAsync(SmtpReply reply, string? remoteMta)
    {
        while (_waiting.TryDequeue(out var job))
        {
            await RecordAsync(job, Enumerable.Repeat(reply, job.Rows.Count).ToArray(), remoteMta, content: null);
        }
    }

    private async Task RecordAsync(Job job, IReadOnlyList<SmtpReply> replies, string? remoteMta, byte[]? content)
    {
        var now = time.GetUtcNow();
        var delivered = new List<long>();
        var deferred = new List<(QueuedRecipient Row, SmtpReply Reply)>();
        var bounced = new List<(QueuedRecipient Row, SmtpReply Reply)>();
        for (var i = 0; i < job.Rows.Count; i++)
        {
            var row = job.Rows[i];
            var (outcome, reply) = Classify(row, replies[i], now, Options);
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
                    logger.LogInformation("{QueueId}: to=<{Recipient}> relay={Relay} status=sent ({Reply})", row.QueueId, row.Recipient, remoteMta ?? "none", reply.ToSingleLine());
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
            logger.LogInformation("{QueueId}: to=<{Recipient}> relay={Relay} status=deferred ({Reply})", row.QueueId, row.Recipient, remoteMta ?? "none", reply.ToSingleLine());
        }

        // Each step runs once: a step that failed is retried with backoff, one that succeeded is not repeated
        // (a second bounce commit would send a second DSN). The send itself is never repeated from here.
        var steps = new Queue<Func<Task>>();
        if (delivered.Count > 0)
        {
            steps.Enqueue(() => store.CompleteAsync(delivered));
        }

        // One write per distinct (attempt count, error): usually one for the whole message.
        foreach (var group in deferred.GroupBy(d => (d.Row.Attempts, Error: d.Reply.ToSingleLine())))
        {
            long[] ids = [.. group.Select(d => d.Row.Id)];
            steps.Enqueue(() => store.DeferAsync(ids, now + Options.BackoffAfter(group.Key.Attempts + 1), group.Key.Error));
        }

        if (bounced.Count > 0)
        {
            steps.Enqueue(() => BounceAsync(job, bounced, remoteMta, content, now));
        }

        steps.Enqueue(() => WarnOfDelayAsync(job, deferred, remoteMta, now));
        for (var failures = 0; steps.Count > 0;)
        {
            try
            {
                await steps.Peek()();
                steps.Dequeue();
            }
            catch (Exception ex) when (++failures <= RecordRetries)
            {
                logger.LogWarning(ex, "Recording delivery results of {QueueId} failed; retrying", job.Rows[0].QueueId);
                await Task.Delay(RecordRetryDelay * failures);
            }
            catch (Exception ex)
            {
                // The store will not take the results. The rows stay claimed a while, so they are not sent again
                // at once; then they are retried like any due row (one that was delivered may go twice).
                logger.LogError(ex, "Recording delivery results of {QueueId} failed; its rows wait {Delay} before another attempt", job.Rows[0].QueueId, HeldAfterRecordFailure);
                _ = ReleaseLaterAsync(job, HeldAfterRecordFailure);
                return;
            }
        }

        Release(job);
    }

    /// <summary>Retries of one failed store write while recording results, each waiting a second longer.</summary>
    private const int RecordRetries = 4;

    private static readonly TimeSpan RecordRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>How long rows whose results could not be recorded stay out of the queue's reach.</summary>
    private static readonly TimeSpan HeldAfterRecordFailure = TimeSpan.FromMinutes(1);

    /// <summary>Soonest timer while some due rows are held.</summary>
    private static readonly TimeSpan HeldRowsRecheck = TimeSpan.FromSeconds(5);

    private async Task ReleaseLaterAsync(Job job, TimeSpan delay)
    {
        await Task.Delay(delay);
        Release(job);
        _ = LoadAndStartAsync();
    }

    private async Task BounceAsync(Job job, List<(QueuedRecipient Row, SmtpReply Reply)> bounced, string? remoteMta, byte[]? content, DateTimeOffset now)
    {
        foreach (var (row, reply) in bounced)
        {
            logger.LogInformation("{QueueId}: to=<{Recipient}> relay={Relay} status=bounced ({Reply})", row.QueueId, row.Recipient, remoteMta ?? "none", reply.ToSingleLine());
        }

        var ids = bounced.Select(b => b.Row.Id).ToArray();
        if (job.Sender.Length == 0)
        {
            // Never a bounce of a bounce (RFC 5321 §4.5.5): the rows just go.
            await store.CompleteAsync(ids);
            return;
        }

        content ??= await store.ReadOutboundAsync(job.MessageId) ?? [];
        var dsn = DsnBuilder.Build(
            ReportingMta, job.Rows[0], content,
            [.. bounced.Select(b => new DsnRecipient(b.Row.Recipient, b.Reply, remoteMta, now))],
            delayed: false, now, job.Rows[0].ReceivedAt + Options.MaximalLifetime);
        await CommitNotificationAsync(job, dsn, completes: ids, now);
    }

    private async Task WarnOfDelayAsync(Job job, List<(QueuedRecipient Row, SmtpReply Reply)> deferred, string? remoteMta, DateTimeOffset now)
    {
        if (Options.DelayWarningAfter <= TimeSpan.Zero || job.Sender.Length == 0)
        {
            return;
        }

        var due = deferred.Where(d => !d.Row.DelayWarned && now - d.Row.ReceivedAt >= Options.DelayWarningAfter).ToList();
        if (due.Count == 0)
        {
            return;
        }

        var content = await store.ReadOutboundAsync(job.MessageId) ?? [];
        var dsn = DsnBuilder.Build(
            ReportingMta, job.Rows[0], content,
            [.. due.Select(d => new DsnRecipient(d.Row.Recipient, d.Reply, remoteMta, now))],
            delayed: true, now, job.Rows[0].ReceivedAt + Options.MaximalLifetime);
        await CommitNotificationAsync(job, dsn, completes: [], now, warned: [.. due.Select(d => d.Row.Id)]);
    }

    /// <summary>
    /// Commits a DSN to the envelope sender, removing <paramref name="completes"/> in the same transaction: into
    /// the sender's maildrop when the sender is a local account, otherwise queued for delivery with the null sender.
    /// <paramref name="warned"/> rows are marked as warned of delay in that transaction too, so a delay warning goes once.
    /// </summary>
    private async Task CommitNotificationAsync(Job job, byte[] dsn, IReadOnlyCollection<long> completes, DateTimeOffset now, IReadOnlyCollection<long>? warned = null)
    {
        var sender = job.Sender;
        var queueId = SmtpQueueId.New(now);
        var at = sender.LastIndexOf('@');
        var domainKey = at > 0 && GrainKeys.TryNormalizeDomain(sender[(at + 1)..], out var d) ? d : null;
        if (domainKey is null)
        {
            // A sender address no route can reach (no domain, a single label, an address literal): the DSN
            // would wait in a queue nothing delivers. It is dropped, like a bounce to <>.
            logger.LogWarning("DSN for {QueueId} dropped: sender <{Sender}> has no deliverable domain", job.Rows[0].QueueId, sender);
            await SettleWithoutNotificationAsync(completes, warned);
            return;
        }

        var resolution = await GrainFactory.GetGrain<IDomainGrain>(domainKey).ResolveAsync(sender[..at].ToLowerInvariant());
        StoreDelivery delivery;
        string? destination = null;
        switch (resolution.Kind)
        {
            case RecipientKind.Mailbox:
                var withReturnPath = Encoding.ASCII.GetBytes("Return-Path: <>\r\n").Concat(dsn).ToArray();
                delivery = new StoreDelivery(new StoredMessage(queueId, "", now, withReturnPath), [resolution.Mailbox!], null, completes) { MarksDelayWarned = warned ?? [] };
                break;
            case RecipientKind.UnknownUser:
                logger.LogWarning("DSN for {QueueId} dropped: sender <{Sender}> is in a local domain but has no account", job.Rows[0].QueueId, sender);
                await SettleWithoutNotificationAsync(completes, warned);
                return;
            default:
                // Remote, or Advanced Delivery (a whole domain, or one account that is its own destination).
                destination = resolution.Kind == RecipientKind.Forward ? resolution.Mailbox ?? domainKey : domainKey;
                delivery = new StoreDelivery(null, [], new OutboundMessage(new StoredMessage(queueId, "", now, dsn), [new OutboundRecipient(sender, destination)], now), completes)
                {
                    MarksDelayWarned = warned ?? [],
                };
                break;
        }

        await store.CommitAsync(delivery);
        logger.LogInformation("{QueueId}: sender notification {DsnQueueId} for <{Sender}> committed", job.Rows[0].QueueId, queueId, sender);
        if (destination is not null)
        {
            GrainFactory.GetGrain<IDeliveryGrain>(destination).WakeAsync().Ignore();
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

    private string ReportingMta => Options.HeloName ?? Environment.MachineName;

    private void Release(Job job)
    {
        foreach (var row in job.Rows)
        {
            _claimed.Remove(row.Id);
        }
    }

    /// <summary>With nothing loaded and no connection, sets the timer for the destination's next due row.</summary>
    private async Task ScheduleWhenIdleAsync()
    {
        if (_connections > 0 || _waiting.Count > 0)
        {
            return;
        }

        try
        {
            var next = await store.GetNextAttemptAsync(Destination);
            if (next is { } at)
            {
                // Due rows that are held (their results could not be recorded) must not spin a timer.
                var due = at - time.GetUtcNow();
                Schedule(_claimed.Count > 0 && due < HeldRowsRecheck ? HeldRowsRecheck : due);
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Reading the next attempt of {Destination} failed", Destination);
            Schedule(TimeSpan.FromSeconds(30));
        }
    }

    private void Schedule(TimeSpan due)
    {
        _timer?.Dispose();
        var delay = due < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : due;
        _timer = this.RegisterGrainTimer(() => LoadAndStartAsync(), new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { Interleave = true });
    }

    /// <summary>
    /// What one recipient's reply means: 2xx delivered; 5xx bounced; 4xx (and every local failure, which is
    /// reported as 4xx) deferred, unless the message has been queued for the maximal lifetime, when it bounces
    /// with 5.4.7 and the last error.
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


    /// <summary>The rows of one message at this destination: one transaction.</summary>
    private sealed record Job(IReadOnlyList<QueuedRecipient> Rows)
    {
        public long MessageId => Rows[0].MessageId;

        public string Sender => Rows[0].Sender;
    }
}

/// <summary>What became of one recipient in one delivery attempt.</summary>
public enum DeliveryOutcome
{
    Delivered,
    Deferred,
    Bounced,
}
