using EmailAI.Protocols.Common;
using System.Diagnostics;
using System.Text;
using EmailAI.Contracts;
using EmailAI.Grains.Delivery;
using EmailAI.Grains.DkimSigning;
using EmailAI.Grains.Inbound;
using EmailAI.Grains.Policy;
using EmailAI.Grains.Quarantine;
using EmailAI.Grains.Quota;
using EmailAI.Grains.WhiteList;
using EmailAI.Protocols.Smtp;
using EmailAI.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace EmailAI.Grains;

/// <summary>
/// Commits received mail to the message store in one transaction: the maildrop copy (content once, one
/// maildrop row per mailbox; recipients whose white list holds the message's From: address, when DMARC alignment
/// authenticated the From: domain, get a copy marked <c>X-EmailAI-WhiteList: pass</c>) and, for relayed and forwarded recipients, the outbound copy with one
/// queue row per recipient. Then it wakes the delivery grain of each outbound destination. Stateless and local to
/// the calling silo, so ingest scales with the silo's cores and its writes share the store's group commit.
/// Reentrant: a call spends its time awaiting the commit, and without interleaving each activation would hold
/// one message at a time, so at most one per core would share a group commit. There is no state to protect.
/// Copies for accounts whose <c>"unlistedSenders"</c> is <c>quarantine</c> and which do not trust the message go to
/// their quarantine instead of the maildrop (<see cref="QuarantineRule"/>), in the same transaction and outside the quota.
/// <para>
/// Quotas (<see cref="MaildropQuota"/>): a maildrop route whose maildrop holds so much that this copy would take it
/// over the quota the route carries gets no copy. When no recipient at all is left, nothing is stored and the
/// answer says so (the gateway replies 552 5.2.2); otherwise, when the sender is local (an account or a local
/// domain's Advanced Delivery), the over-quota recipients are reported to it in a failure DSN (RFC 3464, status 5.2.2)
/// committed in the same transaction as the copies; to the null sender no DSN is ever sent (RFC 5321 §4.5.5) and those
/// copies are dropped with a log line; and for a remote sender, which may be forged, the copies are delivered over the
/// quota rather than bounced (backscatter), the next RCPT for a full maildrop being refused at once.
/// Usage is read before the commit: concurrent deliveries to one maildrop may overshoot its quota by the messages
/// in flight.
/// </para>
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed class IngestGrain(
    IMessageStore store,
    MaildropQuota quota,
    InboundChecks inboundChecks,
    IOptions<DeliveryOptions> delivery,
    TimeProvider time,
    DkimOutboundSigner dkim,
    RelayPolicyCache relayPolicy,
    ILogger<IngestGrain> logger) : Grain, IIngestGrain
{
    /// <summary>The trace field marking inbound mail from a sender on the recipient's white list.</summary>
    public const string WhiteListField = InboundChecks.WhiteListField;

    /// <summary>
    /// Of the time left before <see cref="IngestRequest.CommitBy"/>, what the checks leave for the rest: reading
    /// quotas and the white list, signing, and the store's transaction.
    /// </summary>
    public static readonly TimeSpan CommitReserve = TimeSpan.FromSeconds(2);

    public async Task<IngestResult> DeliverAsync(IngestRequest request)
    {
        // In the SMTP transaction's trace, exported or not: the log lines below carry its trace id, and the queued copies
        // store this span as the parent of their delivery attempts.
        using var ingest = SiloTracing.Start("message.ingest", ActivityKind.Internal, request.TraceParent);
        ingest.SetTag("emailai.queue_id", request.QueueId);

        // Sender authentication, once per message and before anything is stored: a DMARC reject is refused here.
        var check = await inboundChecks.RunAsync(request, request.CommitBy - time.GetUtcNow() - CommitReserve);
        if (check.Refusal is { } refusal)
        {
            logger.LogInformation("{QueueId} from <{Sender}> refused: {Reason}", request.QueueId, request.Sender, refusal.Reason);
            return IngestResult.Refused(refusal);
        }

        // What every inbound copy (maildrop or Advanced Delivery) stores: no sender-written X-EmailAI-WhiteList or
        // Authentication-Results with our authserv-id, and our Authentication-Results on top.
        var content = inboundChecks.PrepareInboundContent(request.Content, check);
        var quotas = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var route in request.Routes)
        {
            var (maildrop, limit) = route switch
            {
                MaildropRoute m => (m.Maildrop, m.QuotaBytes),
                PostmasterRoute p => (p.Maildrop, p.QuotaBytes),
                _ => ((string?)null, 0L),
            };
            if (maildrop is not null)
            {
                quotas[maildrop] = Math.Max(limit, quotas.GetValueOrDefault(maildrop));
            }
        }

        var mailboxes = quotas.Keys.ToArray();
        var relayed = request.Routes.OfType<RelayRoute>().Select(r => r.Address).Distinct(StringComparer.Ordinal).ToArray();
        StoredMessage? plain = null;
        var copies = new List<LocalCopy>();
        QuarantineCopy? held = null;
        var overQuota = new List<string>();
        if (mailboxes.Length > 0)
        {
            var trusted = await TrustingMailboxesAsync(check.AuthenticatedFrom, mailboxes);

            // Accounts in "quarantine" mode hold what they do not trust; held copies count against no quota. Mail a local
            // user sent after AUTH is not from an unlisted sender of the outside world, and is never held.
            var holding = request.Client is { Authenticated: true } ? new HashSet<string>() : QuarantineRule.HeldMailboxes(request.Routes, trusted);
            quotas = holding.Count == 0 ? quotas : quotas.Where(q => !holding.Contains(q.Key)).ToDictionary(StringComparer.Ordinal);

            // RFC 5321 §4.4: the final delivery adds Return-Path with the envelope sender (<> for bounces).
            var returnPath = $"Return-Path: <{request.Sender}>\r\n";
            var plainContent = Prepend(returnPath, content);
            var markedContent = trusted.Count > 0 ? Prepend(returnPath + WhiteListField + ": pass\r\n", content) : plainContent;
            overQuota = await OverQuotaAsync(quotas, m => trusted.Contains(m) ? markedContent.Length : plainContent.Length);
            var othersTakeIt = overQuota.Count < quotas.Count || holding.Count > 0 || request.Routes.Any(r => r is RelayRoute or ForwardRoute);
            if (overQuota.Count > 0 && othersTakeIt && !await NoticeStaysLocalAsync(request.Sender))
            {
                // A notice to a sender on the internet would be backscatter: the sender of mail from outside may be forged
                // (a 7 KB message once sent a 5.2.2 DSN with the attacker's headers to the "sender" it named). The copy is
                // delivered over the quota instead; the next RCPT for that maildrop is refused at once.
                logger.LogWarning(
                    "{QueueId} from <{Sender}>: delivered to {Maildrops} over quota, since a notice to a remote sender could be backscatter",
                    request.QueueId, request.Sender, string.Join(", ", overQuota));
                overQuota.Clear();
            }

            var others = mailboxes.Where(m => !trusted.Contains(m) && !overQuota.Contains(m) && !holding.Contains(m)).ToArray();
            if (others.Length > 0)
            {
                plain = new StoredMessage(request.QueueId, request.Sender, request.ReceivedAt, plainContent);
            }

            string[] marked = [.. mailboxes.Where(m => trusted.Contains(m) && !overQuota.Contains(m))];
            if (marked.Length > 0)
            {
                copies.Add(new LocalCopy(new StoredMessage(request.QueueId, request.Sender, request.ReceivedAt, markedContent), marked));
            }

            // A release adds the From: address to the white list only when DMARC alignment authenticated it.
            held = QuarantineRule.Copy(
                new StoredMessage(request.QueueId, request.Sender, request.ReceivedAt, plainContent), holding,
                authenticationResults: inboundChecks.ResultsText(check), authenticatedFrom: check.AuthenticatedFrom);

            mailboxes = others;
        }

        // Relayed copies are sent onwards exactly as received (with our Received header); Advanced Delivery copies carry
        // the inbound content (our Authentication-Results, no forged white-list field). Neither has a Return-Path,
        // which only final delivery adds.
        var relayRecipients = request.Routes.OfType<RelayRoute>().Select(r => new OutboundRecipient(r.Address, r.Destination)).Distinct().ToArray();
        var forwardRecipients = request.Routes.OfType<ForwardRoute>().Select(f => new OutboundRecipient(f.Address, f.Destination)).Distinct().ToArray();
        OutboundRecipient[] outboundRecipients = [.. relayRecipients, .. forwardRecipients];
        if (overQuota.Count > 0 && mailboxes.Length == 0 && copies.Count == 0 && held is null && outboundRecipients.Length == 0)
        {
            logger.LogInformation("{QueueId} from <{Sender}> refused: every recipient's maildrop is over its quota ({Maildrops})", request.QueueId, request.Sender, string.Join(", ", overQuota));
            return IngestResult.MailboxFull(overQuota);
        }

        // DKIM (issue 13): relayed copies are signed once, here — only an authorised client or an authenticated user can
        // relay, so only then does the message speak for one of our domains. Advanced Delivery copies are inbound mail
        // (our Authentication-Results, no forged white-list field) and never signed, or a forged From: one of our
        // domains arriving from the internet would reach the internal server with our signature.
        var outbound = relayRecipients.Length == 0
            ? null
            : new OutboundMessage(
                new StoredMessage(request.QueueId, request.Sender, request.ReceivedAt, await dkim.SignRelayedAsync(request.Content, request.Sender, request.QueueId)),
                relayRecipients,
                time.GetUtcNow()) { TraceParent = ingest.Id };
        var forwarded = forwardRecipients.Length == 0
            ? null
            : new OutboundMessage(new StoredMessage(request.QueueId, request.Sender, request.ReceivedAt, content), forwardRecipients, time.GetUtcNow()) { TraceParent = ingest.Id };
        var notice = overQuota.Count > 0 ? await QuotaNoticeAsync(request, overQuota) : null;
        if (notice?.Local is { } local)
        {
            copies.Add(local);
        }

        if (time.GetUtcNow() > request.CommitBy)
        {
            // The caller has answered 451 by now (or is about to): a commit now would be a copy the client sends again.
            IngestMetrics.LateCommitsAbandoned.Add(1);
            throw new TimeoutException($"{request.QueueId}: the caller's deadline {request.CommitBy:O} passed before the commit; nothing was stored");
        }

        using (var commit = SiloTracing.Source.StartActivity("store.commit"))
        {
            commit?.SetTag("emailai.queue_id", request.QueueId);
            commit?.SetTag("emailai.maildrops", mailboxes.Length + copies.Sum(c => c.Mailboxes.Count));
            commit?.SetTag("emailai.quarantined", held?.Mailboxes.Count ?? 0);
            commit?.SetTag("emailai.outbound_recipients", outboundRecipients.Length);
            await store.CommitAsync(new StoreDelivery(plain, mailboxes, outbound, [])
            {
                AdditionalCopies = copies,
                QuarantineCopies = held is null ? [] : [held],
                AdditionalOutbound = [.. new[] { forwarded, notice?.Outbound }.OfType<OutboundMessage>()],
            });
        }
        if (held is not null)
        {
            logger.LogInformation("{QueueId} from <{Sender}>: held in the quarantine of {Maildrops} (unlisted sender)", request.QueueId, request.Sender, string.Join(", ", held.Mailboxes));
        }

        var destinations = outboundRecipients.Concat(notice?.Outbound?.Recipients ?? []).Select(r => r.Destination).Distinct(StringComparer.Ordinal);
        foreach (var destination in destinations)
        {
            GrainFactory.GetGrain<IDeliveryGrain>(destination).WakeAsync().Ignore();
        }

        if (relayed.Length > 0)
        {
            // Not awaited: the white list is no reason to hold the client's 250 for another grain call.
            _ = AddToSendersWhiteListAsync(request, relayed);
        }

        return overQuota.Count == 0 ? IngestResult.Delivered : new IngestResult(true, overQuota);
    }

    /// <summary>The maildrops with a quota that their copy (of <paramref name="sizeOf"/> octets) would exceed, read from the store now.</summary>
    private async Task<List<string>> OverQuotaAsync(Dictionary<string, long> quotas, Func<string, int> sizeOf)
    {
        var limited = quotas.Where(q => q.Value > 0).ToArray();
        var used = await Task.WhenAll(limited.Select(q => quota.UsedBytesAsync(q.Key)));
        return [.. limited.Where((q, i) => MaildropQuota.Exceeds(used[i], q.Value, sizeOf(q.Key))).Select(q => q.Key)];
    }

    /// <summary>
    /// True when a 5.2.2 notice for <paramref name="sender"/> would not leave this server's domains: the null sender
    /// (no notice at all), a local account, or a local domain's Advanced Delivery. A sender that cannot be resolved now
    /// counts as remote.
    /// </summary>
    private async Task<bool> NoticeStaysLocalAsync(string sender)
    {
        if (sender.Length == 0)
        {
            return true;
        }

        try
        {
            return await LocalSender.ResolveAsync(GrainFactory, sender) is { Resolution.Kind: RecipientKind.Mailbox or RecipientKind.Forward };
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Sender <{Sender}> could not be resolved; counted as remote", sender);
            return false;
        }
    }

    /// <summary>
    /// The failure DSN (5.2.2) for the over-quota recipients, addressed like the delivery notifier's: into the
    /// sender's maildrop when the sender is a local account, else queued with the null sender. None for the null
    /// sender, or for a sender no route reaches (logged: those copies are dropped without notice).
    /// </summary>
    private async Task<(LocalCopy? Local, OutboundMessage? Outbound)?> QuotaNoticeAsync(IngestRequest request, List<string> overQuota)
    {
        if (request.Sender.Length == 0)
        {
            logger.LogWarning("{QueueId} from <>: not delivered to {Maildrops} (over quota); no notice to the null sender", request.QueueId, string.Join(", ", overQuota));
            return null;
        }

        var found = await LocalSender.ResolveAsync(GrainFactory, request.Sender);
        if (found is not { } sender || sender.Resolution.Kind is RecipientKind.UnknownUser or RecipientKind.Postmaster)
        {
            logger.LogWarning("{QueueId} from <{Sender}>: not delivered to {Maildrops} (over quota); the sender cannot be notified", request.QueueId, request.Sender, string.Join(", ", overQuota));
            return null;
        }

        var now = time.GetUtcNow();
        var queueId = SmtpQueueId.New(now);
        var reportingMta = delivery.Value.HeloName ?? "localhost";
        var original = new QueuedRecipient(0, 0, request.QueueId, request.Sender, "", "", request.ReceivedAt, request.Content.Length, 0, now, null, false);
        var dsn = DsnBuilder.Build(
            reportingMta, original, request.Content, [.. overQuota.Select(m => new DsnRecipient(m, SmtpReplies.MailboxFull, null, now))], delayed: false, now, now);
        logger.LogInformation("{QueueId} from <{Sender}>: not delivered to {Maildrops} (over quota); notice {DsnQueueId} to the sender", request.QueueId, request.Sender, string.Join(", ", overQuota), queueId);
        if (sender.Resolution is { Kind: RecipientKind.Mailbox, Mailbox: { } mailbox })
        {
            return (new LocalCopy(new StoredMessage(queueId, "", now, Prepend("Return-Path: <>\r\n", dsn)), [mailbox]), null);
        }

        // Remote, or Advanced Delivery (a whole domain, or one account that is its own destination).
        var destination = sender.Resolution.Kind == RecipientKind.Forward ? sender.Resolution.Mailbox ?? sender.Domain : sender.Domain;
        return (null, new OutboundMessage(new StoredMessage(queueId, "", now, await dkim.SignNoticeAsync(dsn, queueId)), [new OutboundRecipient(request.Sender, destination)], now) { TraceParent = Activity.Current?.Id });
    }

    /// <summary>
    /// The mailboxes whose owners white-listed <paramref name="from"/>, the message's From: address when DMARC alignment
    /// authenticated its domain (none otherwise: an envelope sender or an unauthenticated From: can be forged by
    /// anyone). A failed lookup counts as "not listed".
    /// </summary>
    private async Task<HashSet<string>> TrustingMailboxesAsync(string? from, string[] mailboxes)
    {
        if (from is null)
        {
            return [];
        }

        try
        {
            var answers = await Task.WhenAll(mailboxes.Select(m => GrainFactory.GetGrain<IWhiteListGrain>(m).TrustsAsync(from)));
            return [.. mailboxes.Where((_, i) => answers[i])];
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "White-list lookup for <{From}> failed; delivered unmarked", from);
            return [];
        }
    }

    /// <summary>
    /// Auto white list: the relayed recipients join the white list of the local account that really sent the message
    /// (<see cref="WhiteListLearning"/>: a session authenticated as the sender's owner, or an Authorised IP client); the
    /// white-list grain checks the relay policy's autoWhiteListRecipients. After the commit and not awaited by the
    /// caller: it never delays or fails the 250.
    /// </summary>
    private async Task AddToSendersWhiteListAsync(IngestRequest request, string[] relayed)
    {
        try
        {
            var teacher = await WhiteListLearning.TeacherAsync(
                request.Client,
                request.Sender,
                async sender => await LocalSender.ResolveAsync(GrainFactory, sender) is { Resolution: { Kind: RecipientKind.Mailbox, Mailbox: { } mailbox } } ? mailbox : null,
                async address => (await relayPolicy.GetAsync()).AuthorisedEntry(address) is not null);
            if (teacher is not null)
            {
                await GrainFactory.GetGrain<IWhiteListGrain>(teacher).AddRelayedRecipientsAsync(relayed);
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Auto white list for {QueueId} from <{Sender}> skipped", request.QueueId, request.Sender);
        }
    }

    private static byte[] Prepend(string fields, byte[] content)
    {
        var head = Encoding.UTF8.GetBytes(fields);
        var result = new byte[head.Length + content.Length];
        head.CopyTo(result, 0);
        content.CopyTo(result, head.Length);
        return result;
    }
}
