using System.Net;

namespace EmailAI.Tests.Location;

/// <summary>
/// A country database in the CSV format of <c>EmailAI:Geo:Database</c> (<c>first_ip,last_ip,country_code</c>), in
/// its own temporary directory, and the client addresses the tests connect from. Linux routes all of 127.0.0.0/8
/// to lo, so a client socket bound to one of these addresses reaches the server on 127.0.0.1 and the server sees
/// that address as the client's.
/// </summary>
public sealed class GeoDatabaseFile : IDisposable
{
    /// <summary>127.0.1.0/24: KP.</summary>
    public static readonly IPAddress NorthKorea = IPAddress.Parse("127.0.1.5");

    /// <summary>127.0.2.0/24: DE.</summary>
    public static readonly IPAddress Germany = IPAddress.Parse("127.0.2.5");

    /// <summary>127.0.3.0/24: in no range of the database, so "unknown".</summary>
    public static readonly IPAddress Unknown = IPAddress.Parse("127.0.3.5");

    /// <summary>127.0.4.0/24: DE as well, for the blockedRanges tests (127.0.4.%).</summary>
    public static readonly IPAddress GermanyRange = IPAddress.Parse("127.0.4.5");

    /// <summary>Five ranges; 127.0.0.1 (the harness's own address) is US.</summary>
    public const string Standard = """
        # test database
        127.0.0.1,127.0.0.1,US

        127.0.1.0,127.0.1.255,KP
        127.0.2.0,127.0.2.255,DE
        127.0.4.0,127.0.4.255,DE
        ::1,::1,US

        """;

    public const int StandardRanges = 5;

    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "emailai-geo-" + Guid.NewGuid().ToString("N")[..12]);

    public GeoDatabaseFile(string content = Standard)
    {
        Directory.CreateDirectory(_directory);
        Path = System.IO.Path.Combine(_directory, "countries.csv");
        Write(content);
    }

    public string Path { get; }

    /// <summary>The node settings that point the server at this file (plus <paramref name="extra"/>).</summary>
    public Dictionary<string, string> Settings(IDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string> { ["EmailAI:Geo:Database"] = Path };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Replaces the file's content in one write (the server reloads it once it stays unchanged for one poll).</summary>
    public void Write(string content) => File.WriteAllText(Path, content);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
