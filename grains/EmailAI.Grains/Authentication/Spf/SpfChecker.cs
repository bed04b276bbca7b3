using System.Net;
using System.Net.Sockets;
using EmailAI.Grains.Dns;
using Microsoft.Extensions.Logging;

namespace EmailAI.Grains.Authentication.Spf;

/// <summary>
/// check_host() of RFC 7208 over <see cref="IDnsLookup"/>: record selection (§4.4, §4.5), every mechanism (§5) and
/// modifier (§6), macros (§7), and the processing limits (§4.6.4, <see cref="SpfLimits"/>). Stateless and safe to
/// share (a singleton): each check keeps its counters in its own evaluation. Never throws for DNS trouble or bad
/// records; only the caller's cancellation throws. One check takes at most <c>timeout</c> (default
/// <see cref="SpfLimits.DefaultTimeout"/>), after which it is a temperror.
/// </summary>
/// <param name="receiver">This host's name for the <c>%{r}</c> macro (§7.2), normally <c>EmailAI:ServerDomain</c>; "unknown" when null.</param>
public sealed partial class SpfChecker(IDnsLookup dns, TimeProvider time, ILogger<SpfChecker> logger, string? receiver = null, TimeSpan? timeout = null) : ISpfChecker
{
    private readonly TimeSpan _timeout = timeout ?? SpfLimits.DefaultTimeout;

    public Task<SpfOutcome> CheckAsync(IPAddress client, string? helo, string mailFrom, CancellationToken cancellationToken = default)
    {
        var path = mailFrom.Trim();
        if (path.StartsWith('<') && path.EndsWith('>'))
        {
            path = path[1..^1];
        }

        if (path.Length == 0)
        {
            // RFC 7208 §2.4: for the null reverse-path the HELO identity is checked, with sender postmaster@helo.
            var heloName = helo?.Trim().TrimEnd('.') ?? "";
            return IsValidDomain(heloName)
                ? CheckIdentityAsync(client, heloName, "postmaster@" + heloName, helo, "helo", cancellationToken)
                : Task.FromResult(new SpfOutcome(SpfResult.None, "helo", heloName, "postmaster@" + heloName, null, "HELO name is not a domain"));
        }

        var at = path.LastIndexOf('@');
        if (at < 0)
        {
            return Task.FromResult(new SpfOutcome(SpfResult.None, "mailfrom", "", path, null, "MAIL FROM has no domain"));
        }

        // RFC 7208 §4.3: a sender without a local-part is checked as postmaster@domain.
        var domain = path[(at + 1)..];
        var sender = at == 0 ? "postmaster" + path : path;
        return CheckIdentityAsync(client, domain, sender, helo, "mailfrom", cancellationToken);
    }

    public Task<SpfOutcome> CheckHostAsync(IPAddress client, string domain, string sender, string? helo, CancellationToken cancellationToken = default) =>
        CheckIdentityAsync(client, domain, sender, helo, "mailfrom", cancellationToken);

    private async Task<SpfOutcome> CheckIdentityAsync(IPAddress client, string domain, string sender, string? helo, string identity, CancellationToken cancellationToken)
    {
        // RFC 7208 §5: an IPv4-mapped IPv6 client is an IPv4 client.
        var address = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        var name = domain.TrimEnd('.');
        if (!IsValidDomain(name))
        {
            // RFC 7208 §4.3: a malformed or single-label domain is "none" before any lookup.
            return new SpfOutcome(SpfResult.None, identity, name, sender, null, $"'{name}' is not a fully qualified domain name");
        }

        using var deadline = new CancellationTokenSource(_timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var evaluation = new SpfEvaluation(dns, address, sender, helo, receiver, time.GetUtcNow().ToUnixTimeSeconds(), linked.Token);
        SpfVerdict verdict;
        try
        {
            verdict = await evaluation.CheckHostAsync(name, wantExplanation: true);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // RFC 7208 §4.6.4: a check that takes too long is a temporary failure.
            verdict = new SpfVerdict(SpfResult.TempError, $"the check took longer than {_timeout.TotalSeconds:0.#} s", null);
        }

        LogOutcome(logger, identity, name, address, verdict.Result, verdict.Reason);
        return new SpfOutcome(verdict.Result, identity, name.ToLowerInvariant(), sender, verdict.Explanation, verdict.Reason);
    }

    /// <summary>
    /// RFC 7208 §4.3: a domain fit to be checked: at most 253 octets, labels of 1 to 63 octets, at least two labels,
    /// no address literal and not an address (a numeric top label). A trailing dot is allowed.
    /// </summary>
    public static bool IsValidDomain(string domain)
    {
        var name = domain.EndsWith('.') ? domain[..^1] : domain;
        if (name.Length is 0 or > SpfLimits.MaxDomainLength || name.StartsWith('['))
        {
            return false;
        }

        var labels = name.Split('.');
        return labels.Length >= 2
            && labels.All(l => l.Length is > 0 and <= SpfLimits.MaxLabelLength && l.All(c => c is >= ' ' and <= '~'))
            && !labels[^1].All(char.IsAsciiDigit);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "SPF {Identity} {Domain} for {Client}: {Result} ({Reason})")]
    private static partial void LogOutcome(ILogger logger, string identity, string domain, IPAddress client, SpfResult result, string reason);
}
