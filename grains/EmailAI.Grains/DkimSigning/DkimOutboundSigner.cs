using EmailAI.Contracts;
using EmailAI.Grains.Delivery;
using EmailAI.Protocols.SmtpClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EmailAI.Grains.DkimSigning;

/// <summary>
/// Decides which key signs an outbound message and signs it, once, when it is queued (<see cref="DkimMessageSigner"/>:
/// one field prepended; lines over 998 octets, which delivery folds for every server, are folded first, see
/// <see cref="Sendable"/>; a copy for a server without 8BITMIME is re-encoded and signed again, see
/// <see cref="DowngradeAsync"/>). Relayed mail is signed by the domain of its <c>From:</c> address — the
/// domain a receiver's DMARC check aligns with (RFC 7489 §3.1) — when that is a local domain with a key, else by the
/// envelope sender's domain when that has one; notices from the null sender by the server domain
/// (<see cref="DeliveryOptions.HeloName"/>, which is <c>EmailAI:ServerDomain</c> unless set, and the domain of the
/// notices' <c>MAILER-DAEMON@</c> From address). A message that cannot be signed (a header a receiver would read
/// differently, an unusable key) is logged and queued unsigned: a missing signature costs less than lost mail.
/// Keys come from the silo's <see cref="DkimKeyCache"/>; a failed key lookup is thrown to the caller as the
/// temporary failure it is. Thread-safe.
/// </summary>
public sealed class DkimOutboundSigner(DkimKeyCache keys, IOptions<DeliveryOptions> options, TimeProvider time, ILogger<DkimOutboundSigner> logger)
{
    /// <summary>
    /// <paramref name="content"/> signed for relaying from <paramref name="sender"/> (the envelope sender), or
    /// <paramref name="content"/> itself when no key applies or signing failed.
    /// </summary>
    public async Task<byte[]> SignRelayedAsync(byte[] content, string sender, string queueId)
    {
        RawHeader header;
        try
        {
            header = RawHeader.Parse(content);
        }
        catch (FormatException ex)
        {
            var key = await KeyForAsync(null, sender);
            if (key is not null)
            {
                Failed(queueId, key, ex);
            }

            return content;
        }

        var signing = await KeyForAsync(FromDomain(content, header), sender);
        return signing is null ? content : Sign(content, signing, queueId);
    }

    /// <summary>A notice from the null sender (a DSN or delay warning) signed with the server domain's key, when it has one.</summary>
    public async Task<byte[]> SignNoticeAsync(byte[] content, string queueId)
    {
        var key = GrainKeys.TryNormalizeDomain(options.Value.HeloName, out var domain) ? await keys.GetAsync(domain) : null;
        return key is null ? content : Sign(content, key, queueId);
    }

    private async Task<DkimSigningKey?> KeyForAsync(string? fromDomain, string sender)
    {
        if (fromDomain is not null && await keys.GetAsync(fromDomain) is { } fromKey)
        {
            return fromKey;
        }

        return EmailAddress.TryParse(sender, out var address) && address.Domain != fromDomain ? await keys.GetAsync(address.Domain) : null;
    }

    private byte[] Sign(byte[] content, DkimSigningKey key, string queueId)
    {
        try
        {
            var sendable = Sendable(content, queueId);
            var signed = DkimMessageSigner.Sign(sendable, key, time.GetUtcNow());
            var already = ReferenceEquals(signed, sendable);
            DkimMetrics.Signatures.Add(1, new KeyValuePair<string, object?>("result", already ? "already_signed" : "signed"));
            logger.LogDebug("{QueueId}: {Outcome} d={Domain} s={Selector}", queueId, already ? "already DKIM-signed" : "DKIM-signed", key.Domain, key.Selector);
            return signed;
        }
        catch (Exception ex)
        {
            Failed(queueId, key, ex);
            return content;
        }
    }

    /// <summary>
    /// The message as delivery puts it on every server's wire, so that nothing on the way out changes a signed octet:
    /// lines over 998 octets folded as delivery folds them (RFC 5322 §2.1.1). 8-bit MIME parts stay as they are — the
    /// message is sent byte for byte as received to every server that announces 8BITMIME — and are re-encoded, and the
    /// message signed again, only for a server without it (<see cref="DowngradeAsync"/>). Content with no long line is
    /// returned as it is, byte for byte.
    /// </summary>
    private byte[] Sendable(byte[] content, string queueId)
    {
        if (!SmtpDataEncoding.HasLongLines(content))
        {
            return content;
        }

        logger.LogDebug("{QueueId}: lines over {Limit} octets folded before signing", queueId, SmtpDataEncoding.MaxLineOctets);
        return SmtpDataEncoding.FoldLongLines(content);
    }

    /// <summary>
    /// The 7-bit form of <paramref name="content"/> for a server that announces neither 8BITMIME nor SMTPUTF8
    /// (<see cref="EightBitDowngrade"/>, RFC 6152 §3), or null when its 8-bit header fields cannot be converted. The
    /// re-encoding changes the body our signature covers, so when the first field is a signature we made over exactly
    /// the rest of the message — the one <see cref="SignRelayedAsync"/> or <see cref="SignNoticeAsync"/> prepended,
    /// checked by making it again (<see cref="DkimMessageSigner.IsOwnSignature"/>), with the key its d= names and
    /// whose selector its s= still is — it is replaced by a signature of the converted message with the same key
    /// (RFC 6376 §5.3: sign what is sent): the receiver still sees one signature of ours, and it verifies. Anything
    /// else stays as it is: someone else's signature, ours made with a key since rotated or deleted, and above all a
    /// field that only claims our d= and s= (an Advanced Delivery copy from the internet is never signed, so it
    /// cannot earn our signature here). A failed key lookup is thrown as the temporary failure it is.
    /// </summary>
    public async Task<byte[]?> DowngradeAsync(byte[] content, string queueId)
    {
        if (EightBitDowngrade.ToSevenBit(content) is not { } sevenBit)
        {
            return null;
        }

        RawHeader header;
        try
        {
            header = RawHeader.Parse(content);
        }
        catch (FormatException)
        {
            return sevenBit;
        }

        if (header.Fields.Count == 0
            || DkimMessageSigner.Tags(content, header.Fields[0]) is not { } tags
            || !tags.TryGetValue("d", out var d) || !tags.TryGetValue("s", out var s)
            || !tags.TryGetValue("t", out var t) || !long.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var signedAt)
            || !GrainKeys.TryNormalizeDomain(d, out var domain)
            || await keys.GetAsync(domain) is not { } key
            || !string.Equals(key.Selector, s, StringComparison.OrdinalIgnoreCase))
        {
            return sevenBit;
        }

        // The field and its CRLF; what follows is the message as it was when we signed it.
        var first = header.Fields[0];
        var fieldLength = first.End + 2 - first.Start;
        if (first.Start != 0 || content.Length < fieldLength
            || !DkimMessageSigner.IsOwnSignature(content.AsSpan(0, fieldLength), content.AsSpan(fieldLength), key, signedAt))
        {
            return sevenBit;
        }

        if (EightBitDowngrade.ToSevenBit(content.AsMemory(fieldLength)) is not { } unsigned)
        {
            return sevenBit;
        }

        logger.LogDebug("{QueueId}: 8-bit parts re-encoded for a server without 8BITMIME; signing again", queueId);
        return Sign(unsigned, key, queueId);
    }

    private void Failed(string queueId, DkimSigningKey key, Exception ex)
    {
        DkimMetrics.Signatures.Add(1, new KeyValuePair<string, object?>("result", "failed"));
        logger.LogError(ex, "{QueueId}: not DKIM-signed by d={Domain} s={Selector}; queued unsigned", queueId, key.Domain, key.Selector);
    }

    /// <summary>
    /// The normalised domain of the first mailbox of the first <c>From:</c> field (RFC 5322 §3.6.2 allows a list; DMARC
    /// takes a single domain), or null when there is none that parses.
    /// </summary>
    private static string? FromDomain(byte[] content, RawHeader header)
    {
        foreach (var field in header.Fields)
        {
            if (!string.Equals(field.Name, "From", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var raw = content.AsSpan(field.Start, field.Length);
            var value = raw[(raw.IndexOf((byte)':') + 1)..].ToArray();
            return InternetAddressList.TryParse(ParserOptions.Default, value, out var list)
                && list.Mailboxes.FirstOrDefault() is { } mailbox
                && GrainKeys.TryNormalizeDomain(mailbox.Domain, out var domain)
                ? domain
                : null;
        }

        return null;
    }
}
