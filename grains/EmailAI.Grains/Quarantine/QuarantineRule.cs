using EmailAI.Contracts;
using EmailAI.Storage;

namespace EmailAI.Grains.Quarantine;

/// <summary>
/// Ingest's decision, per maildrop copy, between the maildrop and the quarantine (issue 13): a copy for an account whose
/// route says <see cref="UnlistedSenderMode.Quarantine"/> is held unless the mailbox trusts the message (it would get
/// the <c>X-EmailAI-WhiteList: pass</c> mark). The null sender is trusted by no one, so bounces to such an account are
/// held too. Postmaster mail (RFC 5321 §4.5.1) is always delivered: a mailbox reached both as a postmaster and as an
/// account gets its copy in the maildrop.
/// </summary>
public static class QuarantineRule
{
    /// <summary>The maildrops of <paramref name="routes"/> whose copy is held.</summary>
    public static HashSet<string> HeldMailboxes(IEnumerable<RecipientRoute> routes, IReadOnlySet<string> trusted)
    {
        var held = new HashSet<string>(StringComparer.Ordinal);
        var delivered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var route in routes)
        {
            switch (route)
            {
                case MaildropRoute { UnlistedSenders: UnlistedSenderMode.Quarantine } m when !trusted.Contains(m.Maildrop):
                    held.Add(m.Maildrop);
                    break;
                case MaildropRoute m:
                    delivered.Add(m.Maildrop);
                    break;
                case PostmasterRoute p:
                    delivered.Add(p.Maildrop);
                    break;
            }
        }

        held.ExceptWith(delivered);
        return held;
    }

    /// <summary>
    /// The held copy for <paramref name="held"/> (null when it is empty): <paramref name="message"/> as the maildrop would
    /// have got it unmarked, with the metadata the admin API lists. <paramref name="authenticationResults"/> is the text of
    /// the Authentication-Results field this server added and <paramref name="fromAuthenticated"/> whether the From
    /// domain was DMARC-authenticated (a release then teaches the white list the From address).
    /// </summary>
    /// <remarks>
    /// <paramref name="authenticatedFrom"/> is the From: address the checks authenticated (DMARC alignment), or null. When
    /// set, it is the held copy's <c>fromAddress</c>, the one a release adds to the white list: never an address read
    /// again from the decoded field, where an encoded word can show another ("=?us-ascii?q?ceo=40good.test?= <x@evil>").
    /// </remarks>
    public static QuarantineCopy? Copy(StoredMessage message, IReadOnlyCollection<string> held, string authenticationResults, string? authenticatedFrom)
    {
        if (held.Count == 0)
        {
            return null;
        }

        var metadata = QuarantineHeaders.Read(message.Content.Span, authenticationResults, authenticatedFrom is not null);
        return new QuarantineCopy(message, [.. held.Order(StringComparer.Ordinal)], authenticatedFrom is null ? metadata : metadata with { FromAddress = authenticatedFrom });
    }
}
