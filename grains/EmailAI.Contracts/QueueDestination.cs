namespace EmailAI.Contracts;

/// <summary>
/// One destination of the outbound queue, summarised: the answer to "why is this stuck?". <paramref name="Messages"/>
/// distinct messages over <paramref name="Recipients"/> rows, of which <paramref name="Held"/> are held and
/// <paramref name="Sending"/> being sent; the oldest message's arrival; the next attempt of a row that is not held
/// (null when every row is held); the most recent error and when it came; and the delivery's open connections
/// (<see cref="DeliveryActivity"/>, filled in by the queue grain; zero from the store).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QueueDestination(
    string Destination,
    int Messages,
    int Recipients,
    int Held,
    int Sending,
    DateTimeOffset OldestReceivedAt,
    DateTimeOffset? NextAttemptAt,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    int Connections = 0);
