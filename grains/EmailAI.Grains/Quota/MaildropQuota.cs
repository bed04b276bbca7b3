using EmailAI.Storage;
using Microsoft.Extensions.Options;

namespace EmailAI.Grains.Quota;

/// <summary>
/// The quota rule, shared by RCPT decisions and ingest: the effective quota of a maildrop (its account's, else its
/// domain's, else the node's <see cref="QuotaOptions.DefaultBytes"/>; 0 unlimited) and its usage, the stored size of
/// each message it holds, read from the message store at each check (so a POP3 deletion frees space at once).
/// Thread-safe.
/// </summary>
public sealed class MaildropQuota(IMessageStore store, IOptions<QuotaOptions> options)
{
    /// <summary>The quota that applies to a maildrop whose account and domain set <paramref name="known"/> (null: neither did).</summary>
    public long Effective(long? known) => known ?? options.Value.DefaultBytes;

    /// <summary>Octets the maildrop holds now. Throws what the store throws (a temporary failure).</summary>
    public async Task<long> UsedBytesAsync(string maildrop) => (await store.GetMaildropSummaryAsync(maildrop)).Bytes;

    /// <summary>
    /// True when a message of <paramref name="size"/> octets would take a maildrop holding <paramref name="used"/> over
    /// <paramref name="quota"/>; with no size known (no SIZE on MAIL, RFC 1870 §4), when the maildrop is full already.
    /// A quota of 0 is never exceeded.
    /// </summary>
    public static bool Exceeds(long used, long quota, long? size) =>
        quota > 0 && (size is { } octets ? used + octets > quota : used >= quota);
}
