using System.Diagnostics;
using System.Net;
using EmailAI.Gateway.Geo;

namespace EmailAI.Bench;

/// <summary>
/// <c>geo [file...]</c>: loads a location database (default: Debian's tor-geoipdb files), prints the load time, the
/// ranges and the size of its arrays, then times lookups of random IPv4, IPv4-mapped IPv6 and IPv6 addresses.
/// </summary>
public static class GeoCommand
{
    private const int Lookups = 10_000_000;

    public static int Run(string[] args)
    {
        IReadOnlyList<string> files = args.Length > 1 ? args[1..] : [.. GeoOptions.TorGeoipFiles.Where(File.Exists)];
        if (files.Count == 0)
        {
            Console.Error.WriteLine("usage: geo [file...] (no file given and Debian's tor-geoipdb is not installed)");
            return 2;
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var watch = Stopwatch.StartNew();
        var database = GeoDatabase.Load(files);
        var loadMs = watch.Elapsed.TotalMilliseconds;
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"database: {string.Join(", ", files)} ({database.Format})");
        Console.WriteLine($"load: {loadMs:F0} ms, {database.Ranges} ranges ({database.IPv4Ranges} IPv4), arrays {database.Bytes / 1024.0 / 1024:F1} MiB, managed heap +{(after - before) / 1024.0 / 1024:F1} MiB");

        var random = new Random(42);
        Measure("IPv4", database, Enumerable.Range(0, 4096).Select(_ => new IPAddress(BitConverter.GetBytes((uint)random.NextInt64(0, 1L << 32)))).ToArray());
        Measure("IPv4-mapped IPv6", database, Enumerable.Range(0, 4096).Select(_ => new IPAddress(BitConverter.GetBytes((uint)random.NextInt64(0, 1L << 32))).MapToIPv6()).ToArray());
        Measure("IPv6 (2000::/3)", database, Enumerable.Range(0, 4096).Select(_ =>
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            bytes[0] = (byte)(0x20 | (bytes[0] & 0x1F));
            return new IPAddress(bytes);
        }).ToArray());
        return 0;
    }

    private static void Measure(string name, GeoDatabase database, IPAddress[] addresses)
    {
        var known = 0;
        for (var i = 0; i < 100_000; i++)
        {
            _ = database.Lookup(addresses[i & 4095]);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Lookups; i++)
        {
            if (database.Lookup(addresses[i & 4095]).Country is not null)
            {
                known++;
            }
        }

        var elapsed = watch.Elapsed;
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Console.WriteLine($"{name}: {elapsed.TotalNanoseconds / Lookups:F0} ns/lookup, {allocated / (double)Lookups:F1} bytes allocated/lookup, {known * 100.0 / Lookups:F0}% with a country");
    }
}
