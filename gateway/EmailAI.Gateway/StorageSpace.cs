using EmailAI.Protocols.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway;

/// <summary>
/// Free space of the file system that holds the embedded store (the data directory), measured at most once a second
/// and compared with <see cref="StorageOptions.MinimumFreeBytes"/>. While it is low, SMTP refuses MAIL with
/// <c>452 4.3.1</c> and <c>/readyz</c> answers 503, so a load balancer moves traffic to other gateways before the
/// database itself runs out of room. In cluster mode (PostgreSQL) the gateway's own disk holds no mail, so it is never
/// low; the database's <c>disk_full</c> still answers 452 4.3.1 through <c>InsufficientStorageException</c>.
/// Logs once when space goes low and once when it recovers.
/// </summary>
public sealed class StorageSpace : IStorageSpace
{
    private static readonly TimeSpan MeasureEvery = TimeSpan.FromSeconds(1);
    private readonly string? _directory;
    private readonly long _minimum;
    private readonly TimeProvider _time;
    private readonly ILogger<StorageSpace> _logger;
    private readonly Lock _gate = new();
    private DateTimeOffset _measuredAt = DateTimeOffset.MinValue;
    private long _free = long.MaxValue;
    private bool _low;

    public StorageSpace(IOptions<EmailAIOptions> options, TimeProvider time, ILogger<StorageSpace> logger)
    {
        var node = options.Value;
        _directory = string.Equals(node.Storage.Provider, StorageOptions.Sqlite, StringComparison.OrdinalIgnoreCase)
            ? Path.GetFullPath(node.DataDirectory)
            : null;
        _minimum = node.Storage.MinimumFreeBytes;
        _time = time;
        _logger = logger;
    }

    /// <summary>The threshold in bytes (0: never low).</summary>
    public long MinimumFreeBytes => _minimum;

    /// <summary>Free bytes available to this process where the store lives, or null when not measured here.</summary>
    public long? FreeBytes
    {
        get
        {
            Measure();
            return _directory is null ? null : Volatile.Read(ref _free);
        }
    }

    public bool IsLow
    {
        get
        {
            Measure();
            return Volatile.Read(ref _low);
        }
    }

    private void Measure()
    {
        if (_directory is null || _minimum <= 0)
        {
            return;
        }

        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (now - _measuredAt < MeasureEvery)
            {
                return;
            }

            _measuredAt = now;
            long free;
            try
            {
                // The directory may not exist yet in the first second of a start: measure its nearest existing parent.
                var probe = _directory;
                while (!Directory.Exists(probe) && Path.GetDirectoryName(probe) is { } parent)
                {
                    probe = parent;
                }

                free = new DriveInfo(probe).AvailableFreeSpace;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                _logger.LogWarning("Free space of {Directory} could not be measured: {Error}", _directory, ex.Message);
                return;
            }

            Volatile.Write(ref _free, free);
            var low = free < _minimum;
            if (low != _low)
            {
                if (low)
                {
                    _logger.LogError(
                        "Free space under {Directory} is {Free} bytes, under EmailAI:Storage:MinimumFreeBytes ({Minimum}): MAIL is answered 452 4.3.1 and /readyz 503 until space is freed",
                        _directory, free, _minimum);
                }
                else
                {
                    _logger.LogWarning("Free space under {Directory} is back to {Free} bytes: mail is accepted again", _directory, free);
                }

                GatewayTelemetry.StorageLow.Add(low ? 1 : -1);
            }

            Volatile.Write(ref _low, low);
        }
    }
}
