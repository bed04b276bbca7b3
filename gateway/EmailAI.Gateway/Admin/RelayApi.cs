using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text.Json;
using EmailAI.Contracts;
using EmailAI.Gateway.Geo;
using EmailAI.Gateway.Smtp;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.Smtp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Admin;

/// <summary>
/// The relay policy's part of the admin API: <c>GET</c>/<c>PUT /api/v1/relay</c> (the Authorised IP list, the auto
/// white list option, submission senders, IP location blocking) and the dry run <c>GET /api/v1/relay/check</c>.
/// GET and PUT answer, read-only, <c>ipLocationBlocking.database</c>: the location database of the node that
/// answers (each node has its own <c>EmailAI:Geo:Database</c>), or why it has none.
/// </summary>
public static class RelayApi
{
    /// <summary>Web JSON that writes nulls: a field that is null in one answer is still there (<c>"rule": null</c>).</summary>
    private static readonly JsonSerializerOptions JsonWithNulls = new(JsonSerializerDefaults.Web);

    /// <summary>Longest <c>helo</c> of a dry run: a domain name (RFC 1035 §2.3.4).</summary>
    private const int MaxHeloLength = 255;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/relay", GetRelayAsync);
        api.MapPut("/relay", PutRelayAsync);
        api.MapGet("/relay/check", CheckAsync);
    }

    /// <summary>The policy with its <c>version</c>, also as the ETag a PUT's <c>If-Match</c> names.</summary>
    private static async Task<IResult> GetRelayAsync(HttpContext context, IGrainFactory grains, ICountryLocator locations) =>
        await CurrentAsync(context, grains.GetGrain<IRelayPolicyGrain>(GrainKeys.RelayPolicy), locations, StatusCodes.Status200OK);

    private static async Task<IResult> CurrentAsync(HttpContext context, IRelayPolicyGrain grain, ICountryLocator locations, int status)
    {
        var snapshot = (await grain.GetIfNewerAsync(-1))!;
        context.Response.Headers.ETag = $"\"{snapshot.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"";
        return Results.Json(ToJson(snapshot.Settings, locations.Status, snapshot.Version), JsonWithNulls, statusCode: status);
    }

    /// <summary>
    /// Members left out of the body keep their current values. With <c>If-Match: "version"</c> (the GET's ETag) the change
    /// applies only to that version, else 412: a client that edits a list it read never undoes a change made meanwhile.
    /// </summary>
    private static async Task<IResult> PutRelayAsync(HttpContext context, HttpRequest request, IGrainFactory grains, ICountryLocator locations)
    {
        long? expected = null;
        if (request.Headers.IfMatch.ToString() is { Length: > 0 } ifMatch && ifMatch.Trim() != "*")
        {
            var tag = ifMatch.Trim();
            tag = tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
            if (tag.Length < 3 || tag[0] != '"' || tag[^1] != '"'
                || !long.TryParse(tag.AsSpan(1, tag.Length - 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version))
            {
                return AdminApi.BadRequest("If-Match must be the relay policy's ETag, such as \"12\" (its version)");
            }

            expected = version;
        }

        var (body, error) = await AdminApi.ReadBodyAsync<RelayBody>(request);
        if (body is null)
        {
            return error!;
        }

        // The merge of a partial body happens in the grain, in one turn: no read-modify-write race here.
        var grain = grains.GetGrain<IRelayPolicyGrain>(GrainKeys.RelayPolicy);
        var blocking = body.IpLocationBlocking;
        var result = await grain.UpdateAsync(new RelaySettingsUpdate(
            body.AuthorisedIps,
            body.AutoWhiteListRecipients,
            blocking?.BlockedCountries,
            blocking?.Message,
            body.SubmissionSenders,
            blocking?.AllowedCountries,
            blocking?.BlockedRanges,
            blocking?.BlockUnknown) { ExpectedVersion = expected });
        if (expected is not null && result.Outcome == AdminOutcome.Conflict)
        {
            return AdminApi.Problem(StatusCodes.Status412PreconditionFailed, "Precondition Failed", result.Error ?? "the relay policy changed");
        }

        if (result.Outcome is AdminOutcome.Updated or AdminOutcome.Created && await ClusterHasSeveralSilosAsync(grains))
        {
            // Every silo decides from its cached copy of the policy, which is never used once older than the
            // bound: waiting that long makes "the PUT returned" mean "in force on every node", so a script that
            // changes the list and then sends mail never races a silo's cache. One silo has it at once.
            await Task.Delay(RelayPolicySnapshot.PropagationBound);
        }

        return result.Outcome is AdminOutcome.Updated or AdminOutcome.Created
            ? await CurrentAsync(context, grain, locations, StatusCodes.Status200OK)
            : await AdminApi.ToResultAsync(result, null);
    }

    /// <summary>
    /// What a client at <paramref name="ip"/> would be told at its first RCPT (to <paramref name="to"/>, when
    /// given): its country in this node's database, the location verdict and its rule, whether it may relay and
    /// by which Authorised IP entry, and the reply. Decided by the silo's own rules and cached policy, exactly as
    /// for a session on this node that did not authenticate; nothing is sent or stored. With <paramref name="from"/>
    /// or <paramref name="helo"/>, also the SPF result a message from this client would get (RFC 7208: the MAIL
    /// FROM identity, or HELO's for <c>&lt;&gt;</c> or no <c>from</c>), checked by the silo, which has the resolvers;
    /// without either, <c>spf</c> is null (not checked).
    /// </summary>
    private static async Task<IResult> CheckAsync(
        string? ip, string? to, string? helo, string? from,
        IGrainFactory grains, ICountryLocator locations, IOptions<EmailAIOptions> options)
    {
        if (!TryParseAddress(ip, out var address))
        {
            return AdminApi.BadRequest($"ip must be an IPv4 or IPv6 address, not '{ip}'");
        }

        if (helo is { Length: > MaxHeloLength })
        {
            return AdminApi.BadRequest($"helo must be at most {MaxHeloLength} characters");
        }

        var sender = SmtpPath.Null;
        if (!string.IsNullOrEmpty(from) && !TryParsePath(from, reverse: true, out sender))
        {
            return AdminApi.BadRequest($"from must be a mail address (or <>), not '{from}'");
        }

        SmtpPath? recipient = null;
        if (!string.IsNullOrEmpty(to) && !TryParsePath(to, reverse: false, out recipient))
        {
            return AdminApi.BadRequest($"to must be a mail address, not '{to}'");
        }

        var location = locations.Lookup(address);
        var facts = new SessionFacts(address, string.IsNullOrEmpty(helo) ? null : helo, Tls: false, AuthenticatedIdentity: null,
            location?.Country, options.Value.ServerDomain, CountryLookedUp: location is not null);
        var check = await grains.GetGrain<ISessionPolicyGrain>(GrainKeys.SessionPolicy)
            .CheckRelayAsync(new RelayCheckRequest(
                facts,
                recipient is null ? null : facts.ToRecipientRequest(sender, recipient),
                string.IsNullOrEmpty(from) && string.IsNullOrEmpty(helo) ? null : sender.Mailbox?.ToString() ?? ""));
        var verdict = check.Verdict;
        return Results.Json(
            new
            {
                ip = address.ToString(),
                country = location?.Country,
                database = location is not null,
                location = new
                {
                    blocked = check.Location.Blocked,
                    rule = check.Location.Rule is { } rule ? GrainRecipientPolicy.Rule(rule) : null,
                    detail = check.Location.Detail,
                    exemption = check.Location.Exemption,
                },
                relay = new { authorised = check.AuthorisedEntry is not null, matchedEntry = check.AuthorisedEntry },
                recipient = recipient?.IsBarePostmaster == true ? "postmaster" : recipient?.Mailbox?.ToString(),
                outcome = verdict is null ? null : JsonNamingPolicy.CamelCase.ConvertName(verdict.Outcome.ToString()),
                reply = verdict is null ? null : new
                {
                    code = verdict.Code,
                    enhancedCode = verdict.EnhancedCode,
                    text = verdict.Text,
                    line = verdict.ToReply().ToString().TrimEnd(),
                },
                reason = verdict?.Reason,
                policyVersion = check.PolicyVersion,
                spf = check.Spf is not { } spf ? null : new
                {
                    result = spf.Result,
                    identity = spf.Identity,
                    domain = spf.Domain,
                    sender = spf.Sender,
                    reason = spf.Reason,
                    explanation = spf.Explanation,
                },
            },
            JsonWithNulls);
    }

    private static object ToJson(RelaySettings settings, GeoDatabaseStatus database, long version) => new
    {
        version,
        authorisedIps = settings.AuthorisedIps,
        autoWhiteListRecipients = settings.AutoWhiteListRecipients,
        submissionSenders = settings.SubmissionSenders.ToString().ToLowerInvariant(),
        ipLocationBlocking = new
        {
            blockedCountries = settings.IpLocationBlocking.BlockedCountries,
            allowedCountries = settings.IpLocationBlocking.Allowed,
            blockedRanges = settings.IpLocationBlocking.Ranges,
            blockUnknown = settings.IpLocationBlocking.BlockUnknown,
            message = settings.IpLocationBlocking.Message,
            database = new
            {
                available = database.Available,
                sources = database.Sources,
                format = database.Format,
                ranges = database.Ranges,
                loadedAt = database.LoadedAt,
                reason = database.Reason,
                lastError = database.LastError,
            },
        },
    };

    /// <summary>A client address in the strict form (<see cref="IpAddressText"/>); IPv4-mapped IPv6 as IPv4.</summary>
    private static bool TryParseAddress(string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (!IpAddressText.TryParse(text, out var parsed))
        {
            return false;
        }

        address = parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed;
        return true;
    }

    /// <summary>A path as MAIL/RCPT would take it, with or without the angle brackets.</summary>
    private static bool TryParsePath(string text, bool reverse, out SmtpPath path)
    {
        var bracketed = text.StartsWith('<') ? text : "<" + text + ">";
        var ok = reverse
            ? SmtpAddressParser.TryParseReversePath(bracketed, true, out var parsed, out var consumed)
            : SmtpAddressParser.TryParseForwardPath(bracketed, true, out parsed, out consumed);
        path = ok && consumed == bracketed.Length ? parsed! : SmtpPath.Null;
        return ok && consumed == bracketed.Length;
    }

    private static async Task<bool> ClusterHasSeveralSilosAsync(IGrainFactory grains)
    {
        try
        {
            return (await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count > 1;
        }
        catch (Exception)
        {
            // Not knowing is no reason to fail a change that is already stored: wait as for a cluster.
            return true;
        }
    }
}
