using EmailAI.Protocols.Common;

namespace EmailAI.Gateway.Geo;

/// <summary>
/// The country codes a database can hold, as small indexes: 0 is "no country" (<see cref="ClientLocation.Unknown"/>),
/// 1…676 are AA…ZZ. Every code has one <see cref="ClientLocation"/> for the life of the process, shared by every
/// database loaded, so a lookup allocates nothing.
/// </summary>
internal static class CountryIndex
{
    /// <summary>The index of "no country".</summary>
    public const ushort None = 0;

    private static readonly ClientLocation[] Locations = CreateLocations();

    /// <summary>The answer for <paramref name="index"/> (an index from <see cref="TryNormalise"/>).</summary>
    public static ClientLocation Location(ushort index) => Locations[index];

    /// <summary>
    /// The index of a code as found in a database file: case is ignored; <c>??</c>, <c>--</c> and the empty code
    /// mean "no country" (<see cref="None"/>); <c>UK</c> is <c>GB</c> (tor's database tags some ranges UK, ISO 3166
    /// reserves UK for the United Kingdom's <c>GB</c>). Any other code must be two ASCII letters, otherwise false.
    /// </summary>
    public static bool TryNormalise(ReadOnlySpan<char> code, out ushort index)
    {
        index = None;
        if (code.IsEmpty || code is "??" or "--")
        {
            return true;
        }

        if (code.Length != 2 || !char.IsAsciiLetter(code[0]) || !char.IsAsciiLetter(code[1]))
        {
            return false;
        }

        var first = char.ToUpperInvariant(code[0]);
        var second = char.ToUpperInvariant(code[1]);
        if (first == 'U' && second == 'K')
        {
            (first, second) = ('G', 'B');
        }

        index = (ushort)(((first - 'A') * 26) + (second - 'A') + 1);
        return true;
    }

    private static ClientLocation[] CreateLocations()
    {
        var locations = new ClientLocation[(26 * 26) + 1];
        locations[None] = ClientLocation.Unknown;
        for (var i = 1; i < locations.Length; i++)
        {
            var first = (char)('A' + ((i - 1) / 26));
            var second = (char)('A' + ((i - 1) % 26));
            locations[i] = new ClientLocation(string.Concat(first.ToString(), second.ToString()));
        }

        return locations;
    }
}
