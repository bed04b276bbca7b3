using EmailAI.Contracts;

namespace EmailAI.Storage;

/// <summary>
/// The WHERE clause of a queue search (<see cref="IOutboundQueueStore.SearchQueueAsync"/>) over <c>outbound o</c> joined
/// with <c>message m</c>, for either store: the same criteria, in the order <see cref="QueueFilter.Matches"/> checks
/// them, with the store's own parameter prefix, ASCII case folding and time values.
/// </summary>
internal static class QueueFilterSql
{
    /// <summary>How a store spells what differs: parameter prefix, ASCII-only case-insensitive equality, and its time values.</summary>
    internal sealed record Dialect(char Prefix, Func<string, string, string> AsciiNoCaseEquals, Func<DateTimeOffset, object> QueueTime, Func<DateTimeOffset, object> ReceivedTime);

    public static (string Where, IReadOnlyList<KeyValuePair<string, object>> Parameters) Build(QueueFilter filter, Dialect dialect)
    {
        var p = dialect.Prefix;
        var clauses = new List<string> { $"o.id > {p}after" };
        var parameters = new List<KeyValuePair<string, object>> { new($"{p}after", filter.AfterId) };
        void Add(string clause, string name, object value)
        {
            clauses.Add(clause);
            parameters.Add(new($"{p}{name}", value));
        }

        if (filter.Destination is { } destination)
        {
            Add($"o.destination = {p}destination", "destination", destination);
        }

        if (filter.Sender is { } sender)
        {
            Add(dialect.AsciiNoCaseEquals("m.sender", $"{p}sender"), "sender", sender);
        }

        if (filter.Recipient is { } recipient)
        {
            Add(dialect.AsciiNoCaseEquals("o.recipient", $"{p}recipient"), "recipient", recipient);
        }

        if (filter.QueueId is { } queueId)
        {
            Add($"m.queue_id = {p}queue", "queue", queueId);
        }

        if (filter.ReceivedBefore is { } before)
        {
            Add($"m.received_at < {p}before", "before", dialect.ReceivedTime(before));
        }

        if (filter.State is { } state)
        {
            var live = $"o.claim_until > {p}now";
            Add(
                state switch
                {
                    QueueRowState.Held => "o.held",
                    QueueRowState.Sending => $"NOT o.held AND {live}",
                    QueueRowState.Deferred => $"NOT o.held AND NOT coalesce({live}, false) AND o.attempts > 0",
                    _ => $"NOT o.held AND NOT coalesce({live}, false) AND o.attempts = 0",
                },
                "now",
                dialect.QueueTime(filter.Now));
        }

        return (string.Join(" AND ", clauses), parameters);
    }
}
