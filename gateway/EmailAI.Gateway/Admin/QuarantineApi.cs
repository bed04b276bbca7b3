using System.Text.Json;
using EmailAI.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EmailAI.Gateway.Admin;

/// <summary>
/// An account's quarantine (mail held from unlisted senders, <c>"unlistedSenders": "quarantine"</c>):
/// <c>GET /api/v1/accounts/{address}/quarantine</c> lists it (<c>?after=</c> an id, <c>?limit=</c> 1–1000, default 100),
/// <c>GET …/{id}</c> answers the raw message (<c>message/rfc822</c>), <c>POST …/{id}/release</c> moves it into the
/// maildrop (and teaches the white list its From address when that domain was authenticated), <c>DELETE …/{id}</c>
/// discards it. Every call goes to the mailbox's quarantine grain on a silo, so a gateway without a store serves it.
/// 404 for an address without an account and for an id its quarantine does not hold (also one released or deleted).
/// </summary>
public static class QuarantineApi
{
    /// <summary>Web JSON that writes nulls: a held message without a Subject still has <c>"subject": null</c>.</summary>
    private static readonly JsonSerializerOptions JsonWithNulls = new(JsonSerializerDefaults.Web);

    /// <summary>Most held messages one list returns.</summary>
    public const int MaxPage = 1000;

    /// <summary>Held messages returned when no limit is given.</summary>
    public const int DefaultPage = 100;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/accounts/{address}/quarantine", ListAsync);
        api.MapGet("/accounts/{address}/quarantine/{id:long}", ReadAsync);
        api.MapPost("/accounts/{address}/quarantine/{id:long}/release", ReleaseAsync);
        api.MapDelete("/accounts/{address}/quarantine/{id:long}", DeleteAsync);
    }

    private static async Task<IResult> ListAsync(string address, long? after, int? limit, IGrainFactory grains)
    {
        if (after < 0 || limit is < 1 or > MaxPage)
        {
            return AdminApi.BadRequest($"after must be an id (0 or more) and limit 1 to {MaxPage}");
        }

        var (key, error) = await AccountAsync(address, grains);
        if (key is null)
        {
            return error!;
        }

        var held = await grains.GetGrain<IQuarantineGrain>(key).ListAsync(after ?? 0, limit ?? DefaultPage);
        return Results.Json(held.Select(ToJson), JsonWithNulls);
    }

    private static async Task<IResult> ReadAsync(string address, long id, IGrainFactory grains)
    {
        var (key, error) = await AccountAsync(address, grains);
        if (key is null)
        {
            return error!;
        }

        var content = await grains.GetGrain<IQuarantineGrain>(key).ReadAsync(id);
        return content is null ? NotHeld(key, id) : Results.Bytes(content, "message/rfc822");
    }

    private static async Task<IResult> ReleaseAsync(string address, long id, IGrainFactory grains)
    {
        var (key, error) = await AccountAsync(address, grains);
        if (key is null)
        {
            return error!;
        }

        var released = await grains.GetGrain<IQuarantineGrain>(key).ReleaseAsync(id);
        if (released.Outcome != AdminOutcome.Updated)
        {
            return await AdminApi.ToResultAsync(new AdminResult(released.Outcome, released.Error), null);
        }

        return Results.Json(new { id, state = "released", mailbox = key, uid = released.Uid, whiteListed = released.WhiteListed }, JsonWithNulls);
    }

    private static async Task<IResult> DeleteAsync(string address, long id, IGrainFactory grains)
    {
        var (key, error) = await AccountAsync(address, grains);
        return key is null ? error! : await AdminApi.ToResultAsync(await grains.GetGrain<IQuarantineGrain>(key).DeleteAsync(id), null);
    }

    /// <summary>The normalised address of an existing account; otherwise the 400/404 to send.</summary>
    private static async Task<(string? Key, IResult? Error)> AccountAsync(string address, IGrainFactory grains)
    {
        if (!GrainKeys.TryNormalizeAddress(address, out var key))
        {
            return (null, AdminApi.BadRequest($"'{address}' is not a valid address"));
        }

        return await grains.GetGrain<IAccountGrain>(key).GetAsync() is null
            ? (null, AdminApi.NotFound($"account '{key}' does not exist"))
            : (key, null);
    }

    private static IResult NotHeld(string key, long id) => AdminApi.NotFound($"no message {id} in the quarantine of '{key}'");

    private static object ToJson(QuarantinedMessage held) => new
    {
        id = held.Id,
        sender = held.Sender,
        from = held.From,
        fromAddress = held.FromAddress,
        subject = held.Subject,
        date = held.Date,
        size = held.Size,
        heldAt = held.HeldAt,
        expiresAt = held.ExpiresAt,
        authenticationResults = held.AuthenticationResults,
        fromAuthenticated = held.FromAuthenticated,
    };
}
