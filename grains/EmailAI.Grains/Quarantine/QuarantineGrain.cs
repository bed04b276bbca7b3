using EmailAI.Contracts;
using EmailAI.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Grains.Quarantine;

/// <summary>
/// One mailbox's quarantine over the silo's <see cref="IQuarantineStore"/>. No state of its own: a separate grain rather
/// than methods of the account grain, so an admin's release never waits behind a POP3 lock or a login there, and the
/// account grain's turn is not spent on held mail. Not reentrant: one mailbox's releases and deletions take turns.
/// </summary>
public sealed partial class QuarantineGrain(
    IQuarantineStore store,
    IGrainFactory grains,
    IOptions<QuarantineOptions> options,
    ILogger<QuarantineGrain> logger) : Grain, IQuarantineGrain
{
    private string Mailbox => this.GetPrimaryKeyString();

    public async Task<IReadOnlyList<QuarantinedMessage>> ListAsync(long afterId, int limit) =>
        [.. (await store.ListQuarantineAsync(Mailbox, afterId, limit)).Select(WithExpiry)];

    public async Task<QuarantinedMessage?> GetAsync(long id) => await store.GetQuarantinedAsync(Mailbox, id) is { } held ? WithExpiry(held) : null;

    public Task<byte[]?> ReadAsync(long id) => store.ReadQuarantinedAsync(Mailbox, id);

    public async Task<QuarantineRelease> ReleaseAsync(long id)
    {
        var held = await store.GetQuarantinedAsync(Mailbox, id);
        if (held is null || await store.ReleaseQuarantinedAsync(Mailbox, id) is not { } uid)
        {
            return QuarantineRelease.NotFound($"no message {id} in the quarantine of '{Mailbox}'");
        }

        LogReleased(logger, id, Mailbox, uid, held.Sender);
        if (!held.FromAuthenticated || held.FromAddress is not { } from)
        {
            return new QuarantineRelease(AdminOutcome.Updated, uid, null, null);
        }

        // After the release, which stands whatever the white list answers: the admin vouched for this authenticated
        // From address, so its next message is delivered (and marked) instead of held.
        try
        {
            var added = await grains.GetGrain<IWhiteListGrain>(Mailbox).PutAsync(from);
            if (added.Succeeded)
            {
                return new QuarantineRelease(AdminOutcome.Updated, uid, from, null);
            }

            LogNotLearnt(logger, from, Mailbox, added.Error, null);
        }
        catch (Exception ex)
        {
            LogNotLearnt(logger, from, Mailbox, ex.Message, ex);
        }

        return new QuarantineRelease(AdminOutcome.Updated, uid, null, null);
    }

    public async Task<AdminResult> DeleteAsync(long id)
    {
        if (!await store.DeleteQuarantinedAsync(Mailbox, id))
        {
            return AdminResult.NotFound($"no message {id} in the quarantine of '{Mailbox}'");
        }

        LogDeleted(logger, id, Mailbox);
        return new AdminResult(AdminOutcome.Deleted);
    }

    public async Task ClearAsync()
    {
        var removed = await store.ClearQuarantineAsync(Mailbox);
        if (removed > 0)
        {
            LogCleared(logger, removed, Mailbox);
        }
    }

    private QuarantinedMessage WithExpiry(QuarantinedMessage held) => held with { ExpiresAt = held.HeldAt + options.Value.Retention };

    [LoggerMessage(Level = LogLevel.Information, Message = "Quarantined message {Id} of {Mailbox} from <{Sender}> released into its maildrop as uid {Uid}")]
    private static partial void LogReleased(ILogger logger, long id, string mailbox, long uid, string sender);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Released mail from {From}: not added to the white list of {Mailbox}: {Reason}")]
    private static partial void LogNotLearnt(ILogger logger, string from, string mailbox, string? reason, Exception? exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quarantined message {Id} of {Mailbox} deleted")]
    private static partial void LogDeleted(ILogger logger, long id, string mailbox);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} quarantined message(s) of {Mailbox} discarded with the account")]
    private static partial void LogCleared(ILogger logger, int count, string mailbox);
}
