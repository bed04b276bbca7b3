using EmailAI.Gateway.Geo;

namespace EmailAI.Tests.Geo;

/// <summary>A temporary folder for database files, removed on dispose; writes files with distinct write times.</summary>
internal sealed class GeoTempFolder : IDisposable
{
    private static long _stamp;

    public GeoTempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "emailai-geo-" + Guid.NewGuid().ToString("N")[..12]);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="name"/> and gives it a write time no earlier write in
    /// this process had, so a poll sees the change even when the size is the same and the clock is coarse.
    /// </summary>
    public string Write(string name, string content) => Stamp(name, () => System.IO.File.WriteAllText(File(name), content));

    /// <inheritdoc cref="Write(string, string)"/>
    public string Write(string name, byte[] content) => Stamp(name, () => System.IO.File.WriteAllBytes(File(name), content));

    /// <summary>Loads the named files as one database.</summary>
    public GeoDatabase Load(params string[] names) => GeoDatabase.Load([.. names.Select(File)]);

    private string Stamp(string name, Action write)
    {
        write();
        var path = File(name);
        System.IO.File.SetLastWriteTimeUtc(path, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(Interlocked.Increment(ref _stamp)));
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
