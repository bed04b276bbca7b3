using System.Numerics;

namespace EmailAI.Gateway.Geo;

/// <summary>
/// Sorted, non-overlapping address ranges of one family (<see cref="uint"/> for IPv4, <see cref="UInt128"/> for
/// IPv6) with a country index each. Immutable once built; a lookup is one binary search, no lock, no allocation.
/// </summary>
internal sealed class RangeTable<T>
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
{
    private readonly T[] _starts;
    private readonly T[] _ends;
    private readonly ushort[] _countries;

    /// <param name="starts">First addresses, ascending.</param>
    /// <param name="ends">Last addresses: <c>ends[i] &gt;= starts[i]</c> and <c>ends[i] &lt; starts[i + 1]</c>.</param>
    /// <param name="countries">Country indexes (<see cref="CountryIndex"/>).</param>
    public RangeTable(T[] starts, T[] ends, ushort[] countries)
    {
        _starts = starts;
        _ends = ends;
        _countries = countries;
    }

    public int Count => _starts.Length;

    /// <summary>Octets held by the arrays (the table's managed size, less object headers).</summary>
    public long Bytes => ((long)_starts.Length * 2 * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()) + ((long)_countries.Length * sizeof(ushort));

    /// <summary>The country index of the range holding <paramref name="address"/>, or <see cref="CountryIndex.None"/>.</summary>
    public ushort Find(T address)
    {
        var starts = _starts;
        int low = 0, high = starts.Length - 1;

        // The last range starting at or before the address is the only one that can hold it.
        while (low <= high)
        {
            var middle = (int)((uint)(low + high) >> 1);
            if (starts[middle] <= address)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return high >= 0 && address <= _ends[high] ? _countries[high] : CountryIndex.None;
    }
}
