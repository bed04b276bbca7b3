namespace EmailAI.Gateway.Geo;

/// <summary>
/// <c>EmailAI:Geo</c>: where the node's IP-to-country database comes from and how often its file is checked for
/// changes. The key names are a public contract.
/// </summary>
public sealed class GeoOptions
{
    /// <summary>The files read when <see cref="Database"/> is not set: Debian's tor-geoipdb package.</summary>
    public static readonly IReadOnlyList<string> TorGeoipFiles = ["/usr/share/tor/geoip", "/usr/share/tor/geoip6"];

    /// <summary>
    /// Path of a country database: a MaxMind DB file (<c>.mmdb</c>: GeoLite2-Country, DB-IP "IP to Country Lite",
    /// anything with <c>country.iso_code</c> or <c>registered_country.iso_code</c>) or a CSV of
    /// <c>first_ip,last_ip,country_code</c> lines (DB-IP lite CSV, ip-location-db, tor-geoipdb). Default: not set,
    /// which means <see cref="DefaultDatabaseFiles"/> when they exist, otherwise country blocking is off.
    /// </summary>
    public string? Database { get; set; }

    /// <summary>
    /// How often the database file's write time and size are compared; a change is loaded once the file has stayed
    /// the same for one whole interval, so a file being written is not read half-way. Default 00:00:05.
    /// </summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The files used when <see cref="Database"/> is not set (whichever of them exist are loaded together).
    /// Null (the default) means <see cref="TorGeoipFiles"/>; tests point it elsewhere
    /// (<c>EmailAI:Geo:DefaultDatabaseFiles:0</c>). An array, so configuration replaces it rather than appending to it.
    /// </summary>
    public string[]? DefaultDatabaseFiles { get; set; }

    /// <summary><see cref="DefaultDatabaseFiles"/>, or the tor-geoipdb files when it is not set.</summary>
    public IReadOnlyList<string> DefaultFiles => DefaultDatabaseFiles is { Length: > 0 } files ? files : TorGeoipFiles;
}
