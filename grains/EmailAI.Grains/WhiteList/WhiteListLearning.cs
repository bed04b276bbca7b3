using System.Net;
using EmailAI.Contracts;

namespace EmailAI.Grains.WhiteList;

/// <summary>
/// Whose white list a relayed message teaches (issue 13: "the list learns only what the user really sent"). The
/// envelope sender alone proves nothing — any client can write any MAIL FROM — so the sender must resolve to a local
/// mailbox, and:
/// <list type="bullet">
/// <item>when the session authenticated (SMTP AUTH, RFC 4954), the authenticated account, normalised as
/// <see cref="Policy.SenderRules"/> normalises it (<see cref="GrainKeys.TryNormalizeAddress"/>), must be that mailbox:
/// bob sending as alice, which <c>submissionSenders</c> <c>domain</c> or <c>any</c> lets through, teaches no one's
/// list. An authenticated session is judged by its identity alone, even from an Authorised IP address: it said who
/// it is.</item>
/// <item>when it did not, the client must be on the Authorised IP list: such machines are trusted to speak for any
/// local sender.</item>
/// </list>
/// Mail this server made itself (no client: DSNs, notices) never teaches. No I/O of its own: the caller supplies the
/// sender lookup and the Authorised IP check, and their failures are thrown to it.
/// </summary>
public static class WhiteListLearning
{
    /// <summary>The mailbox whose list learns the recipients, or null when none does.</summary>
    /// <param name="client">The SMTP client the message came from; null for mail this server made.</param>
    /// <param name="sender">The envelope sender, as received.</param>
    /// <param name="localMailboxOf">The local mailbox an address resolves to, or null when it is no local account.</param>
    /// <param name="isAuthorised">Whether a client address is on the Authorised IP list now.</param>
    public static async Task<string?> TeacherAsync(
        IngestClient? client,
        string sender,
        Func<string, Task<string?>> localMailboxOf,
        Func<IPAddress, Task<bool>> isAuthorised)
    {
        if (client is null || sender.Length == 0 || await localMailboxOf(sender) is not { } mailbox)
        {
            return null;
        }

        if (client.AuthenticatedIdentity is { } identity)
        {
            return GrainKeys.TryNormalizeAddress(identity, out var account) && account == mailbox ? mailbox : null;
        }

        return await isAuthorised(client.Address) ? mailbox : null;
    }
}
