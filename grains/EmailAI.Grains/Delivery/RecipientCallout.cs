using System.Collections.Concurrent;
using System.Net.Sockets;
using EmailAI.Contracts;
using EmailAI.Protocols.Smtp;
using EmailAI.Protocols.SmtpClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// Recipient callouts for forwarding domains (Advanced Delivery with <c>"verifyRecipients": "callout"</c>): before a
/// RCPT is accepted, the internal server is asked the same RCPT (<see cref="SmtpDeliveryClient.VerifyRecipientAsync"/>)
/// on a connection kept open and reused (<see cref="CalloutPool"/>, one per host:port, EHLO once per connection),
/// so that what the internal server would refuse is refused now, to the client, instead of bounced later to a
/// sender who is often forged (backscatter). A silo singleton: its pools and its cache serve every domain grain.
/// <para>
/// The answer is the internal server's RCPT reply: 2xx (accept), 5xx (refuse), or 4xx, which also stands for
/// anything that kept the question from being answered — no route, no connection, a timeout
/// (<see cref="DeliveryOptions.CalloutTimeout"/>), a server that hung up — with the detail in its text for the log.
/// A reused connection that turns out broken (the server closed it while idle) is replaced by a new one once.
/// 2xx and 5xx answers are cached per internal server and address (<see cref="CalloutCache"/>); 4xx ones are not,
/// so the client's retry asks again. Safe to call concurrently; never throws for the server's failures.
/// </para>
/// </summary>
public sealed partial class RecipientCallout : IAsyncDisposable
{
    private readonly DeliveryOptions _options;
    private readonly DeliveryOptions _connectionOptions;
    private readonly DeliveryRouter _router;
    private readonly TimeProvider _time;
    private readonly ILogger<RecipientCallout> _logger;
    private readonly ConcurrentDictionary<string, CalloutPool> _pools = new(StringComparer.OrdinalIgnoreCase);
    private readonly ITimer _sweeper;

    public RecipientCallout(IOptions<DeliveryOptions> options, DeliveryRouter router, TimeProvider time, ILogger<RecipientCallout> logger)
    {
        _options = options.Value;
        if (_options.CalloutTimeout <= TimeSpan.Zero || _options.CalloutIdleTime <= TimeSpan.Zero || _options.CalloutConnectionsPerHost <= 0)
        {
            throw new OptionsValidationException(DeliveryOptions.Section, typeof(DeliveryOptions), ["EmailAI:Delivery:CalloutTimeout, CalloutIdleTime and CalloutConnectionsPerHost must be positive"]);
        }

        // Each step of a callout waits at most as long as the whole callout may take.
        _connectionOptions = new DeliveryOptions { ConnectTimeout = _options.CalloutTimeout, CommandTimeout = _options.CalloutTimeout, DataDoneTimeout = _options.CalloutTimeout };
        _router = router;
        _time = time;
        _logger = logger;
        Cache = new CalloutCache(_options.CalloutCacheSize, time);
        _sweeper = time.CreateTimer(_ => _ = SweepAsync(), null, _options.CalloutIdleTime, _options.CalloutIdleTime);
    }

    public CalloutCache Cache { get; }

    /// <summary>Connections idle in the pool of <paramref name="hostPort"/> (<c>host:port</c>) now.</summary>
    public int IdleConnections(string hostPort) => _pools.TryGetValue(hostPort, out var pool) ? pool.IdleCount : 0;

    /// <summary>
    /// Asks where the mail of <paramref name="destination"/> goes (its internal server, <paramref name="forward"/>, or
    /// a static route) whether it takes <paramref name="recipient"/> (sent as written); <paramref name="cacheKey"/> is
    /// the normalised address under which the answer is cached.
    /// </summary>
    public async Task<SmtpReply> VerifyAsync(string destination, DeliverySettings forward, string recipient, string cacheKey)
    {
        using var timeout = new CancellationTokenSource(_options.CalloutTimeout, _time);
        DeliveryRoute route;
        try
        {
            route = await _router.ResolveForwardAsync(destination, forward, timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or DnsClient.DnsResponseException or SocketException)
        {
            return Unanswered($"route lookup for {destination} failed: {ex.Message}");
        }

        if (route.Targets.Count == 0)
        {
            return Unanswered($"no route to the internal server of {destination}: {route.Failure?.ToSingleLine() ?? "no address"}");
        }

        var hostPort = $"{route.Targets[0].Host}:{route.Targets[0].Port}";
        var key = hostPort + " " + cacheKey;
        if (Cache.TryGet(key, out var cached))
        {
            return cached;
        }

        var reply = await AskAsync(hostPort, route.Targets, recipient, timeout);
        Cache.Set(key, reply, reply.IsPositive ? _options.CalloutPositiveCacheTime : reply.IsPermanentFailure ? _options.CalloutNegativeCacheTime : TimeSpan.Zero);
        LogCallout(_logger, recipient, hostPort, reply.ToSingleLine());
        return reply;
    }

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync();
        await Task.WhenAll(_pools.Values.Select(p => p.CloseIdleAsync(all: true)));
    }

    /// <summary>One callout over a pooled connection, or a new one; a reused connection that fails is replaced once.</summary>
    private async Task<SmtpReply> AskAsync(string hostPort, IReadOnlyList<DeliveryTarget> targets, string recipient, CancellationTokenSource timeout)
    {
        var pool = _pools.GetOrAdd(hostPort, _ => new CalloutPool(_options.CalloutConnectionsPerHost, _options.CalloutIdleTime, _time));
        try
        {
            await pool.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return Unanswered($"all {_options.CalloutConnectionsPerHost} callout connections to {hostPort} stayed busy for {_options.CalloutTimeout}");
        }

        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var client = pool.TakeIdle();
                var reused = client is not null;
                try
                {
                    client ??= await ConnectAsync(targets, timeout.Token);
                    var reply = await client.VerifyRecipientAsync(recipient, timeout.Token);
                    if (client.IsBroken)
                    {
                        _ = CalloutPool.CloseAsync(client);
                    }
                    else
                    {
                        pool.Return(client);
                    }

                    if (reply.Code == 421 && reused && attempt == 1)
                    {
                        // The server was closing the idle connection as we used it: ask again on a new one.
                        continue;
                    }

                    return reply;
                }
                catch (Exception ex) when (IsConnectionFailure(ex, timeout))
                {
                    if (client is not null)
                    {
                        await client.DisposeAsync();
                    }

                    if (reused && attempt == 1 && !timeout.IsCancellationRequested)
                    {
                        continue;
                    }

                    return Unanswered(timeout.IsCancellationRequested
                        ? $"no answer from {hostPort} within {_options.CalloutTimeout}"
                        : $"callout to {hostPort} failed: {ex.Message}");
                }
            }
        }
        finally
        {
            pool.Release();
        }
    }

    /// <summary>A new connection to the first target that takes one; opportunistic TLS as for delivery, plaintext if the handshake fails.</summary>
    private async Task<SmtpDeliveryClient> ConnectAsync(IReadOnlyList<DeliveryTarget> targets, CancellationToken cancellationToken)
    {
        var heloName = _options.HeloName ?? Environment.MachineName;
        Exception? last = null;
        foreach (var target in targets)
        {
            try
            {
                try
                {
                    return await SmtpDeliveryClient.ConnectAsync(target, heloName, _options.OpportunisticTls, _connectionOptions, cancellationToken);
                }
                catch (TlsHandshakeException)
                {
                    return await SmtpDeliveryClient.ConnectAsync(target, heloName, tls: false, _connectionOptions, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or TimeoutException or SmtpProtocolException or SmtpRejectedException)
            {
                last = ex;
            }
        }

        throw last ?? new IOException("no target to connect to");
    }

    private static bool IsConnectionFailure(Exception ex, CancellationTokenSource timeout) =>
        ex is IOException or SocketException or TimeoutException or SmtpProtocolException or SmtpRejectedException or ObjectDisposedException or TlsHandshakeException
        || (ex is OperationCanceledException && timeout.IsCancellationRequested);

    private static SmtpReply Unanswered(string detail) => new(451, "4.4.3", detail);

    private async Task SweepAsync()
    {
        try
        {
            await Task.WhenAll(_pools.Values.Select(p => p.CloseIdleAsync()));
        }
        catch (Exception ex)
        {
            LogSweepFailed(_logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recipient callout for <{Recipient}> to {HostPort}: {Reply}")]
    private static partial void LogCallout(ILogger logger, string recipient, string hostPort, string reply);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing idle callout connections failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
