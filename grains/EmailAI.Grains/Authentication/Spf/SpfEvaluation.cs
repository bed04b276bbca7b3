using System.Net;
using System.Net.Sockets;
using EmailAI.Grains.Dns;

namespace EmailAI.Grains.Authentication.Spf;

/// <summary>
/// One check (RFC 7208 §4) with its counters: the DNS-querying terms and void lookups of §4.6.4 are counted across
/// every include and redirect of the check, which is what ends loops. Not thread-safe; one per check.
/// </summary>
internal sealed class SpfEvaluation(IDnsLookup dns, IPAddress client, string sender, string? helo, string? receiver, long timestamp, CancellationToken cancellationToken)
{
    private int _dnsTerms;
    private int _voidLookups;
    private IReadOnlyList<string>? _validatedNames;

    private AddressFamily Family => client.AddressFamily;

    /// <summary>
    /// check_host(ip, domain, sender): §4.3 to §4.7. <paramref name="wantExplanation"/> is false inside an include,
    /// whose <c>exp=</c> must not be used (§6.2).
    /// </summary>
    public async Task<SpfVerdict> CheckHostAsync(string domain, bool wantExplanation)
    {
        if (!SpfChecker.IsValidDomain(domain))
        {
            return new SpfVerdict(SpfResult.None, $"'{domain}' is not a fully qualified domain name", null);
        }

        // §4.4: the TXT records of the domain; anything but an answer or NXDOMAIN is temperror.
        var txt = await dns.TxtAsync(domain, cancellationToken);
        if (txt.Status == DnsStatus.TemporaryFailure)
        {
            return new SpfVerdict(SpfResult.TempError, $"DNS error on {txt.Error ?? "TXT " + domain}", null);
        }

        // §4.5: exactly one record that starts with v=spf1; the others are none of our business.
        var records = txt.Records.Where(SpfRecord.IsSpfRecord).ToList();
        if (records.Count == 0)
        {
            return new SpfVerdict(SpfResult.None, $"no SPF record at {domain}", null);
        }

        if (records.Count > 1)
        {
            return new SpfVerdict(SpfResult.PermError, $"{records.Count} SPF records at {domain}", null);
        }

        if (!SpfRecord.TryParse(records[0], out var record, out var error))
        {
            return new SpfVerdict(SpfResult.PermError, $"syntax error at {domain}: {error}", null);
        }

        foreach (var mechanism in record.Mechanisms)
        {
            if (mechanism.QueriesDns && CountDnsTerm() is { } limit)
            {
                return limit;
            }

            var (matched, failure) = await MatchAsync(mechanism, domain);
            if (failure is not null)
            {
                return failure;
            }

            if (matched)
            {
                // §6.2: the explanation is fetched only for a fail, from the record that produced it.
                var explanation = mechanism.Qualifier == SpfResult.Fail && wantExplanation && record.Explanation is { } exp
                    ? await ExplainAsync(exp, domain)
                    : null;
                return new SpfVerdict(mechanism.Qualifier, $"matched {mechanism.Text} at {domain}", explanation);
            }
        }

        if (record.Redirect is { } redirect)
        {
            // §6.1: redirect counts as a DNS-querying term; a target without a record is a permerror. The target's
            // own exp= applies, never this record's (§6.2).
            if (CountDnsTerm() is { } limit)
            {
                return limit;
            }

            if (await ExpandDomainAsync(redirect, domain) is not { } target)
            {
                return new SpfVerdict(SpfResult.PermError, $"redirect={redirect} at {domain} does not expand to a domain", null);
            }

            var redirected = await CheckHostAsync(target, wantExplanation);
            return redirected.Result == SpfResult.None
                ? new SpfVerdict(SpfResult.PermError, $"redirect={target} at {domain}: {redirected.Reason}", null)
                : redirected;
        }

        // §4.7: no mechanism matched and no redirect.
        return new SpfVerdict(SpfResult.Neutral, $"no mechanism matched at {domain}", null);
    }

    /// <summary>Whether <paramref name="mechanism"/> matches (§5), or the verdict that ends the check (temperror, permerror).</summary>
    private async Task<(bool Matched, SpfVerdict? Failure)> MatchAsync(SpfMechanism mechanism, string domain)
    {
        switch (mechanism.Kind)
        {
            case SpfMechanismKind.All:
                return (true, null);

            case SpfMechanismKind.Ip4 or SpfMechanismKind.Ip6:
                return (InNetwork(client, mechanism.Network!, mechanism.Kind == SpfMechanismKind.Ip4 ? mechanism.Prefix4 : mechanism.Prefix6), null);

            case SpfMechanismKind.Include:
                return await IncludeAsync(mechanism, domain);
        }

        var target = mechanism.DomainSpec is null ? domain : await ExpandDomainAsync(mechanism.DomainSpec, domain);
        if (target is null)
        {
            return (false, new SpfVerdict(SpfResult.PermError, $"{mechanism.Text} at {domain} has an invalid macro", null));
        }

        if (!SpfChecker.IsValidDomain(target))
        {
            // RFC 7208 leaves a target that is no domain name (an empty or 64-octet label) undefined; like the
            // initial domain of §4.3 it cannot exist, so the mechanism does not match.
            return (false, null);
        }

        return mechanism.Kind switch
        {
            SpfMechanismKind.A => await MatchAddressesAsync(mechanism, target, Family),
            SpfMechanismKind.Mx => await MatchMxAsync(mechanism, target),
            SpfMechanismKind.Ptr => (await ValidatedNamesAsync(countVoid: true) is { } names && names.Any(n => IsSameOrSubdomain(n, target)), VoidLimit()),
            _ => await MatchAddressesAsync(mechanism, target, AddressFamily.InterNetwork), // §5.7 exists: always an A query
        };
    }

    /// <summary>§5.2: the included check's pass matches; fail, softfail and neutral do not; errors and none end the check.</summary>
    private async Task<(bool, SpfVerdict?)> IncludeAsync(SpfMechanism mechanism, string domain)
    {
        if (await ExpandDomainAsync(mechanism.DomainSpec!, domain) is not { } target)
        {
            return (false, new SpfVerdict(SpfResult.PermError, $"{mechanism.Text} at {domain} has an invalid macro", null));
        }

        var included = await CheckHostAsync(target, wantExplanation: false);
        return included.Result switch
        {
            SpfResult.Pass => (true, null),
            SpfResult.Fail or SpfResult.SoftFail or SpfResult.Neutral => (false, null),
            SpfResult.TempError => (false, included),
            _ => (false, new SpfVerdict(SpfResult.PermError, $"{mechanism.Text} at {domain}: {included.Reason}", null)),
        };
    }

    /// <summary>
    /// <c>a</c> (the client's family, §5.3) and <c>exists</c> (always A, §5.7): a match is an address in the
    /// network (<c>exists</c>: any address). A void answer is counted (§4.6.4); a DNS error is temperror (§5).
    /// </summary>
    private async Task<(bool, SpfVerdict?)> MatchAddressesAsync(SpfMechanism mechanism, string target, AddressFamily family)
    {
        var answer = await dns.AddressesAsync(target, family, cancellationToken);
        if (answer.Status == DnsStatus.TemporaryFailure)
        {
            return (false, new SpfVerdict(SpfResult.TempError, $"DNS error on {answer.Error ?? target} for {mechanism.Text}", null));
        }

        if (answer.IsVoid)
        {
            _voidLookups++;
            return (false, VoidLimit());
        }

        return mechanism.Kind == SpfMechanismKind.Exists
            ? (true, null)
            : (answer.Records.Any(a => InNetwork(client, a, Prefix(mechanism))), null);
    }

    /// <summary>§5.4: the addresses of each mail exchanger of the target, in preference order; more than 10 is a permerror (§4.6.4).</summary>
    private async Task<(bool, SpfVerdict?)> MatchMxAsync(SpfMechanism mechanism, string target)
    {
        var mx = await dns.MxAsync(target, cancellationToken);
        if (mx.Status == DnsStatus.TemporaryFailure)
        {
            return (false, new SpfVerdict(SpfResult.TempError, $"DNS error on {mx.Error ?? "MX " + target}", null));
        }

        if (mx.IsVoid)
        {
            _voidLookups++;
            return (false, VoidLimit());
        }

        if (mx.Records.Count > SpfLimits.MaxMxNames)
        {
            return (false, new SpfVerdict(SpfResult.PermError, $"{mechanism.Text}: {target} has {mx.Records.Count} MX records, more than {SpfLimits.MaxMxNames}", null));
        }

        foreach (var host in mx.Records.OrderBy(m => m.Preference))
        {
            // RFC 7505: a null MX (".") names no host.
            if (!SpfChecker.IsValidDomain(host.Exchange))
            {
                continue;
            }

            var addresses = await dns.AddressesAsync(host.Exchange, Family, cancellationToken);
            if (addresses.Status == DnsStatus.TemporaryFailure)
            {
                return (false, new SpfVerdict(SpfResult.TempError, $"DNS error on {addresses.Error ?? host.Exchange} for {mechanism.Text}", null));
            }

            if (addresses.Records.Any(a => InNetwork(client, a, Prefix(mechanism))))
            {
                return (true, null);
            }
        }

        return (false, null);
    }

    /// <summary>
    /// §5.5: the client's PTR names (the first 10, §4.6.4) whose forward lookup gives the client's address back. A
    /// PTR lookup error matches nothing and a failing forward lookup skips that name: the sender controls neither.
    /// </summary>
    private async Task<IReadOnlyList<string>> ValidatedNamesAsync(bool countVoid)
    {
        if (_validatedNames is { } known)
        {
            return known;
        }

        var ptr = await dns.PtrAsync(client, cancellationToken);
        if (ptr.IsVoid && countVoid)
        {
            _voidLookups++;
        }

        var validated = new List<string>();
        foreach (var name in ptr.Records.Take(SpfLimits.MaxPtrNames))
        {
            var candidate = name.TrimEnd('.');
            if (!SpfChecker.IsValidDomain(candidate))
            {
                continue;
            }

            var addresses = await dns.AddressesAsync(candidate, Family, cancellationToken);
            if (addresses.Records.Any(a => a.Equals(client)))
            {
                validated.Add(candidate);
            }
        }

        return _validatedNames = validated;
    }

    /// <summary>
    /// §7.3 <c>%{p}</c>: the target itself if validated, else a validated subdomain of it, else any validated name,
    /// else "unknown" (null here).
    /// </summary>
    private async Task<string?> ValidatedDomainAsync(string domain)
    {
        var names = await ValidatedNamesAsync(countVoid: false);
        return names.FirstOrDefault(n => n.Equals(domain, StringComparison.OrdinalIgnoreCase))
            ?? names.FirstOrDefault(n => IsSameOrSubdomain(n, domain))
            ?? names.FirstOrDefault();
    }

    /// <summary>
    /// A domain-spec expanded (§7) with <paramref name="domain"/> as <c>%{d}</c>, without a trailing dot and cut to
    /// 253 octets from the left (§4.8); null when a macro is invalid.
    /// </summary>
    private async Task<string?> ExpandDomainAsync(string spec, string domain)
    {
        if (!SpfMacroExpander.TryExpand(spec, await ContextAsync(spec, domain), explanation: false, out var expanded))
        {
            return null;
        }

        expanded = expanded.TrimEnd('.');
        while (expanded.Length > SpfLimits.MaxDomainLength && expanded.IndexOf('.') is var dot and >= 0)
        {
            expanded = expanded[(dot + 1)..];
        }

        return expanded;
    }

    /// <summary>
    /// §6.2: the TXT record named by <c>exp=</c>, macro-expanded with c, r and t allowed. A DNS error, no record,
    /// several records, a syntax error or text outside US-ASCII: no explanation, and the fail stands.
    /// </summary>
    private async Task<string?> ExplainAsync(string spec, string domain)
    {
        if (await ExpandDomainAsync(spec, domain) is not { } target || !SpfChecker.IsValidDomain(target))
        {
            return null;
        }

        var answer = await dns.TxtAsync(target, cancellationToken);
        if (answer.Status != DnsStatus.Found || answer.Records.Count != 1)
        {
            return null;
        }

        var text = answer.Records[0];
        return SpfMacroExpander.TryExpand(text, await ContextAsync(text, domain), explanation: true, out var explanation) ? explanation : null;
    }

    private async Task<SpfMacroContext> ContextAsync(string text, string domain) =>
        new(client, sender, domain, helo, SpfMacroExpander.UsesValidatedDomain(text) ? await ValidatedDomainAsync(domain) : null, receiver, timestamp);

    private SpfVerdict? CountDnsTerm() =>
        ++_dnsTerms > SpfLimits.MaxDnsTerms
            ? new SpfVerdict(SpfResult.PermError, $"more than {SpfLimits.MaxDnsTerms} DNS-querying mechanisms and modifiers", null)
            : null;

    private SpfVerdict? VoidLimit() =>
        _voidLookups > SpfLimits.MaxVoidLookups
            ? new SpfVerdict(SpfResult.PermError, $"more than {SpfLimits.MaxVoidLookups} void DNS lookups", null)
            : null;

    private int Prefix(SpfMechanism mechanism) => Family == AddressFamily.InterNetworkV6 ? mechanism.Prefix6 : mechanism.Prefix4;

    private static bool IsSameOrSubdomain(string name, string domain) =>
        name.Equals(domain, StringComparison.OrdinalIgnoreCase) || name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="address"/> is in <paramref name="network"/>/<paramref name="prefix"/>; addresses of different families never are.</summary>
    internal static bool InNetwork(IPAddress address, IPAddress network, int prefix)
    {
        if (address.AddressFamily != network.AddressFamily)
        {
            return false;
        }

        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        var whole = prefix / 8;
        if (!a.AsSpan(0, whole).SequenceEqual(n.AsSpan(0, whole)))
        {
            return false;
        }

        var bits = prefix % 8;
        if (bits == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - bits));
        return (a[whole] & mask) == (n[whole] & mask);
    }
}
