namespace EmailAI.Contracts;

/// <summary>
/// The verdict of an admin call. On <see cref="AdminOutcome.Invalid"/>, <see cref="AdminOutcome.NotFound"/>
/// and <see cref="AdminOutcome.Conflict"/> nothing was changed and <see cref="Error"/> says why.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AdminResult(AdminOutcome Outcome, string? Error = null)
{
    public bool Succeeded => Outcome is AdminOutcome.Created or AdminOutcome.Updated or AdminOutcome.Deleted;

    public static AdminResult Invalid(string error) => new(AdminOutcome.Invalid, error);

    public static AdminResult NotFound(string error) => new(AdminOutcome.NotFound, error);

    public static AdminResult Conflict(string error) => new(AdminOutcome.Conflict, error);
}
