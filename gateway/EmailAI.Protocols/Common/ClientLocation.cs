namespace EmailAI.Protocols.Common;

/// <summary>
/// Where a client connects from, as the node's location database says, looked up once per connection. A session
/// whose node has no database has no <see cref="ClientLocation"/> at all (null), which is different from a database
/// that does not know the address (<see cref="Country"/> null): only the second is "unknown" to
/// <c>blockUnknown</c>.
/// </summary>
/// <param name="Country">ISO 3166-1 alpha-2 code in upper case, or null when the database has no range for the address.</param>
public sealed record ClientLocation(string? Country)
{
    /// <summary>The database was consulted and does not know the address.</summary>
    public static readonly ClientLocation Unknown = new((string?)null);
}
