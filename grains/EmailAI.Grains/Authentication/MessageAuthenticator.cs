using System.Runtime.InteropServices;
using EmailAI.Grains.Authentication.Arc;
using EmailAI.Grains.Authentication.Dkim;
using EmailAI.Grains.Authentication.Dmarc;
using EmailAI.Grains.Authentication.Spf;
using EmailAI.Grains.Dns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EmailAI.Grains.Authentication;

/// <summary>
/// SPF (through <see cref="ISpfChecker"/>) and DKIM then ARC run concurrently, then DMARC, all within
/// <see cref="AuthenticationOptions.Timeout"/>: what is unfinished at the deadline is a temperror. The disposition is
/// Reject only for a DMARC fail under a reject policy (<c>p</c>, or <c>sp</c> for a subdomain) that <c>pct</c> selected,
/// TemporaryFailure only when a temporary DNS failure stands between the message and such a reject, each only with
/// <see cref="AuthenticationOptions.DmarcReject"/> on; otherwise Accept. A message MimeKit cannot parse has DKIM
/// permerror and no From. Singleton, stateless between calls; never throws but for the caller's cancellation.
/// </summary>
public sealed class MessageAuthenticator : IMessageAuthenticator
{
    private readonly ISpfChecker _spf;
    private readonly IDnsLookup _dns;
    private readonly IOptions<AuthenticationOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MessageAuthenticator> _logger;
    private readonly DkimChecker _dkim;
    private readonly DmarcEvaluator _dmarc;

    public MessageAuthenticator(ISpfChecker spf, IDnsLookup dns, PublicSuffixList suffixes, IOptions<AuthenticationOptions> options, TimeProvider time, ILogger<MessageAuthenticator> logger)
        : this(spf, dns, suffixes, options, time, logger, Random.Shared)
    {
    }

    /// <summary>With the random source of DMARC's <c>pct</c> sampling (tests pass a fixed one).</summary>
    internal MessageAuthenticator(ISpfChecker spf, IDnsLookup dns, PublicSuffixList suffixes, IOptions<AuthenticationOptions> options, TimeProvider time, ILogger<MessageAuthenticator> logger, Random random)
    {
        _spf = spf;
        _dns = dns;
        _options = options;
        _time = time;
        _logger = logger;
        _dkim = new DkimChecker(time);
        _dmarc = new DmarcEvaluator(dns, suffixes, random);
    }

    public async Task<AuthenticationReport> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken = default)
    {
        var started = _time.GetTimestamp();
        var options = _options.Value;
        var within = request.Within is { } w && w < options.Timeout ? (w > TimeSpan.Zero ? w : TimeSpan.FromMilliseconds(1)) : options.Timeout;
        using var deadline = new CancellationTokenSource(within, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var token = linked.Token;

        var message = Parse(request.Content);
        var spfTask = CheckSpfAsync(request, token);
        var signedTask = CheckSignaturesAsync(message, token);
        await Task.WhenAll(spfTask, signedTask);
        var spf = await spfTask;
        var (dkim, arc) = await signedTask;

        var from = FromField.Read(message);
        DmarcVerdict verdict;
        try
        {
            verdict = await EvaluateDmarcAsync(from, spf, dkim, token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            const string TimedOut = "timed out";
            verdict = new DmarcVerdict(new DmarcOutcome("temperror", from.Address?.Domain, null, false, false, TimedOut), AuthenticationDisposition.TemporaryFailure, $"DMARC could not be checked: {TimedOut}");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var disposition = options.DmarcReject ? verdict.Disposition : AuthenticationDisposition.Accept;
        var report = new AuthenticationReport(spf, dkim, arc, verdict.Outcome, from.Address?.Key, disposition, Printable(verdict.Reason));
        var elapsed = _time.GetElapsedTime(started);
        AuthenticationMetrics.Record(report, elapsed);
        _logger.LogDebug(
            "Authentication of {ClientAddress} {MailFrom}: spf={Spf} dkim={Dkim} arc={Arc} dmarc={Dmarc} {Disposition} ({Reason}) in {Elapsed} ms",
            request.ClientAddress, request.MailFrom, spf.Result, string.Join(',', dkim.Select(d => d.Result)), arc, report.Dmarc.Result, disposition, report.Reason, elapsed.TotalMilliseconds);
        return report;
    }

    /// <summary>The message as MimeKit reads it from the exact bytes; null when it cannot.</summary>
    private MimeMessage? Parse(ReadOnlyMemory<byte> content)
    {
        var bytes = MemoryMarshal.TryGetArray(content, out var segment) ? segment : new ArraySegment<byte>(content.ToArray());
        try
        {
            using var stream = new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false);
            return MimeMessage.Load(stream);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever MimeKit throws for attacker-supplied bytes, the message is one we cannot read.
            _logger.LogDebug(ex, "A message MimeKit could not parse: no DKIM, ARC or From");
            return null;
        }
    }

    private async Task<SpfOutcome> CheckSpfAsync(AuthenticationRequest request, CancellationToken token)
    {
        try
        {
            return await _spf.CheckAsync(request.ClientAddress, request.HeloName, request.MailFrom, token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var reason = ex is OperationCanceledException ? "timed out" : "SPF check failed";
            if (ex is not OperationCanceledException)
            {
                _logger.LogError(ex, "The SPF checker threw for {ClientAddress} {MailFrom}", request.ClientAddress, request.MailFrom);
            }

            // RFC 7208 §2.4: the identity SPF would have checked.
            var helo = request.MailFrom.Length == 0;
            var domain = helo ? request.HeloName ?? "" : request.MailFrom[(request.MailFrom.LastIndexOf('@') + 1)..];
            var sender = helo ? "postmaster@" + domain : request.MailFrom;
            return new SpfOutcome(SpfResult.TempError, helo ? "helo" : "mailfrom", domain, sender, null, reason);
        }
    }

    /// <summary>DKIM, then ARC over the same keys (one after the other: a MimeMessage is not safe to read concurrently).</summary>
    private async Task<(IReadOnlyList<DkimOutcome> Dkim, string Arc)> CheckSignaturesAsync(MimeMessage? message, CancellationToken token)
    {
        if (message is null)
        {
            return ([new DkimOutcome("permerror", "", "", "", "message could not be parsed")], "none");
        }

        // Let SPF start its lookups before the CPU-bound hashing.
        await Task.Yield();
        var locator = new DkimKeyLocator(_dns);
        var dkim = await _dkim.VerifyAsync(message, locator, token);
        string arc;
        try
        {
            arc = await ArcChecker.VerifyAsync(message, locator, token);
        }
        catch (OperationCanceledException)
        {
            arc = "fail";
        }

        return (dkim, arc);
    }

    /// <summary>
    /// DMARC for the single From domain; for a message with several From addresses (RFC 7489 §6.6.1), each domain is
    /// evaluated and the strictest disposition stands, while the From is never authenticated.
    /// </summary>
    private async Task<DmarcVerdict> EvaluateDmarcAsync(FromField from, SpfOutcome spf, IReadOnlyList<DkimOutcome> dkim, CancellationToken token)
    {
        if (from.Address is { } address)
        {
            return await _dmarc.EvaluateAsync(address.Domain, spf, dkim, token);
        }

        var problem = from.Problem ?? "no From address";
        var none = new DmarcVerdict(new DmarcOutcome("permerror", null, null, false, false, problem), AuthenticationDisposition.Accept, $"DMARC not applied: {problem}");
        foreach (var domain in from.Domains)
        {
            var verdict = await _dmarc.EvaluateAsync(domain, spf, dkim, token);
            if (Severity(verdict.Disposition) > Severity(none.Disposition))
            {
                none = verdict with { Outcome = verdict.Outcome with { Aligned = false, Reason = $"{problem}; {verdict.Outcome.Reason}" } };
            }
        }

        return none;
    }

    private static int Severity(AuthenticationDisposition disposition) => disposition switch
    {
        AuthenticationDisposition.Reject => 2,
        AuthenticationDisposition.TemporaryFailure => 1,
        _ => 0,
    };

    /// <summary>The reason goes into a 550 reply and a log line: printable ASCII on one line, cut short.</summary>
    private static string Printable(string reason) =>
        new([.. reason.Take(200).Select(c => c is >= ' ' and <= '~' ? c : '?')]);
}
