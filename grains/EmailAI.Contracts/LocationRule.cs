namespace EmailAI.Contracts;

/// <summary>The rule of <see cref="IpLocationBlocking"/> that refused a client, in the order they are applied.</summary>
public enum LocationRule
{
    /// <summary>The client address is in <see cref="IpLocationBlocking.BlockedRanges"/>.</summary>
    BlockedRanges,

    /// <summary>The database has no country for the address and <see cref="IpLocationBlocking.BlockUnknown"/> is on.</summary>
    BlockUnknown,

    /// <summary>The client's country is in <see cref="IpLocationBlocking.BlockedCountries"/>.</summary>
    BlockedCountries,

    /// <summary><see cref="IpLocationBlocking.AllowedCountries"/> is not empty and the client's country is not in it.</summary>
    AllowedCountries,
}
