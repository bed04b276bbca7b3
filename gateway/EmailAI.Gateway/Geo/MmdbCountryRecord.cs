using MaxMind.Db;

namespace EmailAI.Gateway.Geo;

/// <summary>
/// The part of a MaxMind DB data record the location database reads: <c>country</c> and, for networks without
/// one (GeoLite2 leaves it out for some anycast and satellite networks), <c>registered_country</c>.
/// </summary>
internal sealed class MmdbCountryRecord
{
    [Constructor]
    public MmdbCountryRecord([MapKey("country")] MmdbCountry? country, [MapKey("registered_country")] MmdbCountry? registeredCountry)
    {
        Country = country;
        RegisteredCountry = registeredCountry;
    }

    public MmdbCountry? Country { get; }

    public MmdbCountry? RegisteredCountry { get; }

    /// <summary>The ISO code of the country, or of the registered country when there is no country; null for neither.</summary>
    public string? IsoCode => Country?.IsoCode ?? RegisteredCountry?.IsoCode;
}
