using EmailAI.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EmailAI.Gateway.Admin;

/// <summary>
/// A local domain's DKIM signing key: <c>PUT/GET/DELETE /api/v1/domains/{domain}/dkim</c>. PUT takes
/// <c>{"selector":"emailai1","algorithm":"rsa-sha256","keyBits":2048}</c> (or <c>"ed25519-sha256"</c>, or an imported
/// <c>"privateKeyPem"</c>) and answers, as GET does, the record to publish:
/// <c>{"selector":…,"algorithm":…,"dnsName":"emailai1._domainkey.example.com","dnsRecord":"v=DKIM1; k=rsa; p=…"}</c> —
/// never the private key. 201 when the domain had no key, 200 when one was replaced: a PUT that generates makes a
/// new key every time (publish the new record before, or with a new selector), one that imports the same PEM again
/// changes nothing. DELETE stops signing (204), 404 when there is no key. 404 for a domain that is not local, 400
/// (problem+json) for a bad selector, algorithm, key size or PEM. The key is kept in the domain grain's state,
/// cluster-wide, and goes with the domain.
/// </summary>
public static class DkimApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/domains/{domain}/dkim", GetAsync);
        api.MapPut("/domains/{domain}/dkim", PutAsync);
        api.MapDelete("/domains/{domain}/dkim", DeleteAsync);
    }

    private static async Task<IResult> GetAsync(string domain, IGrainFactory grains)
    {
        if (!GrainKeys.TryNormalizeDomain(domain, out var key))
        {
            return AdminApi.BadRequest($"'{domain}' is not a valid domain name");
        }

        var grain = grains.GetGrain<IDomainGrain>(key);
        if (await grain.GetDkimAsync() is { } info)
        {
            return Results.Json(ToJson(info), AdminApi.Json);
        }

        return await grain.GetAsync() is null
            ? AdminApi.NotFound($"domain '{key}' is not a local domain")
            : AdminApi.NotFound($"domain '{key}' has no DKIM key");
    }

    private static async Task<IResult> PutAsync(string domain, HttpRequest request, IGrainFactory grains)
    {
        if (!GrainKeys.TryNormalizeDomain(domain, out var key))
        {
            return AdminApi.BadRequest($"'{domain}' is not a valid domain name");
        }

        var (body, error) = await AdminApi.ReadBodyAsync<Body>(request);
        if (body is null)
        {
            return error!;
        }

        var grain = grains.GetGrain<IDomainGrain>(key);
        var result = await grain.PutDkimAsync(new DkimKeyRequest(body.Selector, body.Algorithm, body.KeyBits, body.PrivateKeyPem));
        return await AdminApi.ToResultAsync(result, async () => ToJson((await grain.GetDkimAsync())!));
    }

    private static async Task<IResult> DeleteAsync(string domain, IGrainFactory grains)
    {
        if (!GrainKeys.TryNormalizeDomain(domain, out var key))
        {
            return AdminApi.BadRequest($"'{domain}' is not a valid domain name");
        }

        return await AdminApi.ToResultAsync(await grains.GetGrain<IDomainGrain>(key).DeleteDkimAsync(), null);
    }

    private static object ToJson(DkimKeyInfo info) => new
    {
        selector = info.Selector,
        algorithm = info.Algorithm,
        dnsName = info.DnsName,
        dnsRecord = info.DnsRecord,
    };

    /// <summary>The PUT body; every member may be left out (selector is then refused: it must be chosen).</summary>
    private sealed record Body(string? Selector, string? Algorithm, int? KeyBits, string? PrivateKeyPem);
}
