using MaxMind.Db;

namespace EmailAI.Gateway.Geo;

/// <summary>A MaxMind DB country map; only <c>iso_code</c> is read (the names are not needed).</summary>
internal sealed class MmdbCountry
{
    [Constructor]
    public MmdbCountry([MapKey("iso_code")] string? isoCode) => IsoCode = isoCode;

    public string? IsoCode { get; }
}
