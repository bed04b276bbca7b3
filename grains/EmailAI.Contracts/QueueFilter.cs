namespace EmailAI.Contracts;

/// <summary>
/// Which outbound queue rows an admin list or action covers; every criterion given must hold (null = any).
/// <paramref name="Destination"/> matches the normalised destination exactly; <paramref name="Sender"/> and
/// <paramref name="Recipient"/> match whole addresses with ASCII letters compared case-insensitively and every other
/// character exactly (the stores compare the same way; the sender <c>""</c> is the null sender); <paramref name="QueueId"/> is the id a 250 reply and the log show;
/// <paramref name="ReceivedBefore"/> keeps rows whose message came in before that time (an age filter);
/// <paramref name="State"/> is judged at <paramref name="Now"/>. <paramref name="AfterId"/> pages by row id.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QueueFilter(
    DateTimeOffset Now,
    string? Destination = null,
    string? Sender = null,
    string? Recipient = null,
    string? QueueId = null,
    DateTimeOffset? ReceivedBefore = null,
    QueueRowState? State = null,
    long AfterId = 0)
{
    /// <summary>True when no criterion narrows the rows (every row matches).</summary>
    public bool MatchesAll =>
        Destination is null && Sender is null && Recipient is null && QueueId is null && ReceivedBefore is null && State is null;

    /// <summary>Whether <paramref name="row"/> meets every criterion but the paging one.</summary>
    public bool Matches(QueuedRecipient row) =>
        (Destination is null || string.Equals(row.Destination, Destination, StringComparison.Ordinal))
        && (Sender is null || AsciiEqualsIgnoreCase(row.Sender, Sender))
        && (Recipient is null || AsciiEqualsIgnoreCase(row.Recipient, Recipient))
        && (QueueId is null || string.Equals(row.QueueId, QueueId, StringComparison.Ordinal))
        && (ReceivedBefore is null || row.ReceivedAt < ReceivedBefore)
        && (State is null || row.StateAt(Now) == State);

    private static bool AsciiEqualsIgnoreCase(string a, string b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (Fold(a[i]) != Fold(b[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static char Fold(char c) => c is >= 'A' and <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}
