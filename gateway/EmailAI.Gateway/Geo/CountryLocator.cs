using System.Diagnostics;
using System.Net;
using EmailAI.Gateway.Tls;
using EmailAI.Protocols.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Geo;

/// <summary>
/// The node's <see cref="ICountryLocator"/>: <see cref="GeoOptions.Database"/>, or, when that is not set, whichever
/// of <see cref="GeoOptions.DefaultDatabaseFiles"/> (Debian's tor-geoipdb) exist. The database is read once in the
/// constructor, so it is in force before the first connection is served; a file that is missing or refused then
/// is logged as an error and the node starts with country blocking off. <see cref="Poll"/> (called every
/// <see cref="GeoOptions.ReloadInterval"/> by <see cref="GeoReloadService"/>) compares the files' write times and
/// sizes and reloads once a change has stayed the same for one poll; the new database replaces the old one whole
/// (one reference swap, so a lookup sees the old or the new, never a mix). A refused file is logged once as a
/// warning, recorded in <see cref="GeoDatabaseStatus.LastError"/>, and the previous data stays in force; it is tried
/// again when the file changes. Lookups are thread-safe, lock-free and allocate nothing.
/// </summary>
public sealed partial class CountryLocator : ICountryLocator
{
    private readonly GeoOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CountryLocator> _logger;
    private readonly Lock _poll = new();
    private readonly IReadOnlyList<string> _files;
    private readonly bool _configured;
    private InForce _inForce;

    // The files' stamps as last loaded or tried (a refused file is not tried again until it changes), and as seen
    // by the previous poll (a change is loaded only once it is stable).
    private FileStamp[] _tried;
    private FileStamp[] _seen;

    public CountryLocator(IOptions<GeoOptions> options, TimeProvider time, ILogger<CountryLocator> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _configured = !string.IsNullOrWhiteSpace(_options.Database);
        _files = _configured ? [_options.Database!] : _options.DefaultFiles;
        _tried = _seen = Stamps();
        _inForce = new InForce(null, GeoDatabaseStatus.Off(NotInstalledReason));
        Load(startUp: true);
    }

    /// <summary>Ranges held by the database loaded last by any locator in the process (the <c>emailai.geo.ranges</c> gauge).</summary>
    internal static int RangesInForce { get; private set; }

    /// <inheritdoc />
    public ClientLocation? Lookup(IPAddress address) => Volatile.Read(ref _inForce).Database?.Lookup(address);

    /// <inheritdoc />
    public GeoDatabaseStatus Status => Volatile.Read(ref _inForce).Status;

    private string NotInstalledReason =>
        $"EmailAI:Geo:Database is not set and Debian's tor-geoipdb is not installed ({_options.DefaultFiles[0]})";

    /// <summary>
    /// One check of the files: loads them when they changed since the last load or attempt and have stayed the same
    /// since the previous poll. Runs the load on the calling thread; a poll arriving while one runs returns at once.
    /// Safe to call from any thread; public so a test can drive it.
    /// </summary>
    public void Poll()
    {
        if (!_poll.TryEnter())
        {
            return;
        }

        try
        {
            var stamps = Stamps();
            var stable = stamps.AsSpan().SequenceEqual(_seen);
            _seen = stamps;
            if (!stable || stamps.AsSpan().SequenceEqual(_tried))
            {
                return;
            }

            _tried = stamps;
            Load(startUp: false);
        }
        catch (Exception ex)
        {
            // Called from the reload loop: whatever a reload runs into must not end it; the data in force stays.
            LogReloadFailed(_logger, ex, string.Join(", ", _files));
        }
        finally
        {
            _poll.Exit();
        }
    }

    private void Load(bool startUp)
    {
        var files = _configured ? _files : [.. _files.Where(File.Exists)];
        var previous = Volatile.Read(ref _inForce);
        if (files.Count == 0)
        {
            if (startUp)
            {
                LogOff(_logger, NotInstalledReason);
            }
            else if (previous.Database is not null)
            {
                Refused(previous, $"{string.Join(", ", _files)}: no longer installed");
            }

            return;
        }

        var watch = Stopwatch.StartNew();
        GeoDatabase database;
        try
        {
            if (_configured && !File.Exists(files[0]))
            {
                throw new GeoDatabaseException($"{files[0]} does not exist");
            }

            database = GeoDatabase.Load(files);
        }
        catch (GeoDatabaseException ex)
        {
            if (startUp)
            {
                LogStartFailed(_logger, ex.Message);
                Swap(new InForce(null, GeoDatabaseStatus.Off(ex.Message) with { LastError = ex.Message }));
            }
            else
            {
                Refused(previous, ex.Message);
            }

            return;
        }

        var elapsed = (long)watch.Elapsed.TotalMilliseconds;
        Swap(new InForce(database, new GeoDatabaseStatus(true, database.Sources, database.Format, database.Ranges, _time.GetUtcNow(), null, null)));
        if (_configured)
        {
            LogLoaded(_logger, string.Join(", ", database.Sources), database.Format, database.Ranges, elapsed);
        }
        else
        {
            LogTorLoaded(_logger, string.Join(", ", database.Sources), database.Ranges, elapsed);
        }
    }

    private void Refused(InForce previous, string reason)
    {
        var status = previous.Database is null ? GeoDatabaseStatus.Off(reason) : previous.Status;
        Swap(previous with { Status = status with { LastError = reason } });
        LogRefused(_logger, string.Join(", ", _files), reason);
    }

    private void Swap(InForce next)
    {
        Volatile.Write(ref _inForce, next);
        RangesInForce = next.Database?.Ranges ?? 0;
    }

    private FileStamp[] Stamps() => [.. _files.Select(FileStamp.Of)];

    [LoggerMessage(Level = LogLevel.Information, Message = "Geo: location database {Sources} loaded ({Format}, {Ranges} ranges, {Milliseconds} ms)")]
    private static partial void LogLoaded(ILogger logger, string sources, string format, int ranges, long milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Geo: EmailAI:Geo:Database is not set; using Debian's tor-geoipdb files {Sources} ({Ranges} ranges, {Milliseconds} ms)")]
    private static partial void LogTorLoaded(ILogger logger, string sources, int ranges, long milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Geo: country blocking is off: {Reason}")]
    private static partial void LogOff(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Geo: location database not loaded: {Reason}; country blocking is off until a good file appears")]
    private static partial void LogStartFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Geo: location database {Files} refused: {Reason}; the previous data stays in force")]
    private static partial void LogRefused(ILogger logger, string files, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Geo: reload of {Files} failed; the previous data stays in force")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception, string files);

    /// <summary>The database in force and its status, swapped together so that they always agree.</summary>
    private sealed record InForce(GeoDatabase? Database, GeoDatabaseStatus Status);
}
