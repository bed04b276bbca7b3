namespace EmailAI.Contracts;

/// <summary>An admin action on outbound queue rows (Postfix's <c>postqueue -f</c>, <c>postsuper -h/-H/-d</c>).</summary>
[GenerateSerializer]
public enum QueueAction
{
    /// <summary>Make due now and wake the destination; a held row stays held.</summary>
    Retry = 0,

    /// <summary>Never attempt until released.</summary>
    Hold = 1,

    /// <summary>End a hold; the row is due now.</summary>
    Release = 2,

    /// <summary>Remove, without a bounce.</summary>
    Delete = 3,
}

/// <summary>
/// What an action did: rows that matched, rows it changed, and rows among them being sent at that moment (for those
/// the action takes effect after the attempt in progress: a delivered row is gone whatever was asked; a hold or a
/// release applies if that attempt fails; a retry changes nothing).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QueueActionResult(int Matched, int Changed, int InFlight);
