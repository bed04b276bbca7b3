namespace EmailAI.Gateway.Geo;

/// <summary>
/// A location database file that is refused: its message names the file and, for a CSV, the line (for example
/// <c>/etc/geo.csv line 12: '1.2.3' is not an IP address</c>). The database in force, if any, stays in force.
/// </summary>
public sealed class GeoDatabaseException : Exception
{
    public GeoDatabaseException()
    {
    }

    public GeoDatabaseException(string message) : base(message)
    {
    }

    public GeoDatabaseException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
