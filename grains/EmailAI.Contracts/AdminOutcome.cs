namespace EmailAI.Contracts;

/// <summary>Outcome of an admin change, mapped one-to-one to HTTP (201/200/204, 400, 404, 409).</summary>
public enum AdminOutcome
{
    Created,
    Updated,
    Deleted,
    Invalid,
    NotFound,
    Conflict,
}
