using EmailAI.Contracts;
using EmailAI.Grains.Authentication.Dkim;
using EmailAI.Grains.Authentication.Spf;
using EmailAI.Grains.Dns;

namespace EmailAI.Grains.Authentication.Dmarc;

/// <summary>
/// DMARC (RFC 7489) for one From domain: policy discovery (§6.6.3), identifier alignment (§3.1) of the SPF and DKIM
/// results, the result (§6.6.2), <c>sp=</c> for subdomains (§6.3) and <c>pct=</c> sampling (§6.6.4) from an
/// injectable <see cref="Random"/>. Never throws but for cancellation.
/// </summary>
internal sealed class DmarcEvaluator(IDnsLookup dns, PublicSuffixList suffixes, Random random)
{
    public async Task<DmarcVerdict> EvaluateAsync(string fromDomain, SpfOutcome spf, IReadOnlyList<DkimOutcome> dkim, CancellationToken cancellationToken)
    {
        var orgDomain = suffixes.OrganizationalDomain(fromDomain);

        // RFC 7489 §3.1.2: only the MAIL FROM identity aligns; the HELO identity SPF checks for a null sender does not.
        var spfDomain = spf.Identity == "mailfrom" && EmailAddress.TryNormalizeDomain(spf.Domain, out var d) ? d : null;
        bool IsAligned(string? domain, bool strict) =>
            domain is not null && (strict ? domain == fromDomain : suffixes.OrganizationalDomain(domain) == orgDomain);
        bool SpfAligned(SpfResult result, bool strict) => spf.Result == result && IsAligned(spfDomain, strict);
        bool DkimAligned(string result, bool strict) => dkim.Any(k => k.Result == result && IsAligned(k.Domain, strict));
        bool AnyAligned(bool strictSpf, bool strictDkim) => SpfAligned(SpfResult.Pass, strictSpf) || DkimAligned("pass", strictDkim);
        DmarcOutcome Outcome(string result, string? policy, bool aligned, bool applied, string reason) => new(result, fromDomain, policy, aligned, applied, reason);
        string AlignedReason(bool strictSpf, bool strictDkim) =>
            SpfAligned(SpfResult.Pass, strictSpf) ? "aligned SPF pass" : $"aligned DKIM pass (d={dkim.First(k => k.Passed && IsAligned(k.Domain, strictDkim)).Domain})";

        var discovery = await DiscoverAsync(fromDomain, orgDomain, cancellationToken);
        var relaxed = AnyAligned(false, false);
        if (discovery.TemporaryError is { } error)
        {
            // Without the record we cannot know the policy; an exact-match pass aligns under any adkim/aspf, so only
            // then is a reject impossible.
            return AnyAligned(true, true)
                ? new DmarcVerdict(Outcome("temperror", null, relaxed, false, error), AuthenticationDisposition.Accept, $"DMARC of {fromDomain}: {error}")
                : new DmarcVerdict(Outcome("temperror", null, relaxed, false, error), AuthenticationDisposition.TemporaryFailure, $"DMARC policy of {fromDomain} could not be checked: {error}");
        }

        if (discovery.Record is not { } record)
        {
            // RFC 7489 §6.6.3: no policy, no DMARC result; the From domain is still authenticated when relaxed alignment holds.
            return new DmarcVerdict(Outcome("none", null, relaxed, false, discovery.NoneReason!), AuthenticationDisposition.Accept, $"no DMARC policy for {fromDomain}");
        }

        var policy = record.PolicyFor(discovery.Subdomain);
        if (AnyAligned(record.StrictSpf, record.StrictDkim))
        {
            var why = AlignedReason(record.StrictSpf, record.StrictDkim);
            return new DmarcVerdict(Outcome("pass", policy, true, true, why), AuthenticationDisposition.Accept, $"DMARC pass for {fromDomain}: {why}");
        }

        // RFC 7489 §6.6.4: pct= selects the messages the policy applies to; the others get the next-least-strict one.
        var applied = record.Percent >= 100 || (record.Percent > 0 && random.Next(100) < record.Percent);
        var rejects = policy == "reject" && applied;

        // A check that could have given an aligned pass but ended in temperror leaves DMARC undecided.
        if (SpfAligned(SpfResult.TempError, record.StrictSpf) || DkimAligned("temperror", record.StrictDkim))
        {
            const string Undecided = "an aligned SPF or DKIM check had a temporary error";
            return new DmarcVerdict(
                Outcome("temperror", policy, false, applied, Undecided),
                rejects ? AuthenticationDisposition.TemporaryFailure : AuthenticationDisposition.Accept,
                rejects ? $"DMARC policy of {fromDomain} could not be checked: {Undecided}" : $"DMARC of {fromDomain}: {Undecided}");
        }

        const string NotAligned = "no aligned SPF or DKIM pass";
        return new DmarcVerdict(
            Outcome("fail", policy, false, applied, NotAligned),
            rejects ? AuthenticationDisposition.Reject : AuthenticationDisposition.Accept,
            rejects ? $"DMARC policy of {fromDomain} is reject: From domain not authenticated" : $"DMARC fail for {fromDomain} (p={policy}{(applied ? "" : ", sampled out by pct")})");
    }

    /// <summary>RFC 7489 §6.6.3: the record at <c>_dmarc.from</c>, else at <c>_dmarc.org</c>.</summary>
    private async Task<Discovery> DiscoverAsync(string fromDomain, string orgDomain, CancellationToken cancellationToken)
    {
        var own = await LookUpAsync(fromDomain, subdomain: false, cancellationToken);
        // Step 3: only an empty set (no record, or none that is DMARC) sends us to the organisational domain.
        return own.Empty && orgDomain != fromDomain ? await LookUpAsync(orgDomain, subdomain: true, cancellationToken) : own;
    }

    private async Task<Discovery> LookUpAsync(string domain, bool subdomain, CancellationToken cancellationToken)
    {
        var name = "_dmarc." + domain;
        var answer = await dns.TxtAsync(name, cancellationToken);
        if (answer.Status == DnsStatus.TemporaryFailure)
        {
            return new Discovery(null, false, null, $"DNS lookup of {name} failed", false);
        }

        var records = answer.Records.Where(DmarcRecord.IsDmarcRecord).ToList();
        return records.Count switch
        {
            0 => new Discovery(null, subdomain, "no DMARC record", null, true),
            // Step 5: several records, no DMARC processing.
            > 1 => new Discovery(null, subdomain, $"{records.Count} DMARC records at {name}", null, false),
            _ => DmarcRecord.Parse(records[0]) is { } record
                ? new Discovery(record, subdomain, null, null, false)
                : new Discovery(null, subdomain, $"invalid DMARC record at {name}", null, false),
        };
    }

    private sealed record Discovery(DmarcRecord? Record, bool Subdomain, string? NoneReason, string? TemporaryError, bool Empty);
}
