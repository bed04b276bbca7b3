using System.Text.Json;
using EmailAI.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using EmailAI.Protocols.Pop3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Admin;

/// <summary>
/// The admin HTTP API of DESIGN.md: JSON in and out, idempotent PUTs, bearer token on every /api path.
/// Errors are RFC 9457 problem+json: 400 for bad input, 401 without the token, 404 for what does not
/// exist, 409 for a change that would leave things inconsistent. Each change is one grain call that
/// validates before it writes, so a refused request changes nothing.
/// </summary>
public static class AdminApi
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Largest admin request body accepted.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    /// <summary>
    /// Guards every path under /api, known or not, with the bearer token, and caps request bodies at
    /// <see cref="MaxBodyBytes"/> whether or not they declare a length. Must run before routing's endpoints.
    /// </summary>
    public static IApplicationBuilder UseEmailAIAdminAuthentication(this IApplicationBuilder app) =>
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments("/api"),
            branch => branch.Use(async (context, next) =>
            {
                var token = context.RequestServices.GetRequiredService<AdminToken>();
                if (!token.IsValid(context.Request.Headers.Authorization))
                {
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await Problem(StatusCodes.Status401Unauthorized, "Unauthorized", "A valid 'Authorization: Bearer <token>' header is required.")
                        .ExecuteAsync(context);
                    return;
                }

                if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                {
                    limit.MaxRequestBodySize = MaxBodyBytes;
                }

                await next(context);
                await AdminProblems.CompleteAsync(context);
            }));

    public static IEndpointRouteBuilder MapEmailAIAdminApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1");
        api.MapGet("/domains", ListDomainsAsync);
        api.MapGet("/domains/{domain}", GetDomainAsync);
        api.MapPut("/domains/{domain}", PutDomainAsync);
        api.MapDelete("/domains/{domain}", DeleteDomainAsync);
        DkimApi.Map(api);

        api.MapGet("/accounts", ListAccountsAsync);
        api.MapGet("/accounts/{address}", GetAccountAsync);
        api.MapPut("/accounts/{address}", PutAccountAsync);
        api.MapDelete("/accounts/{address}", DeleteAccountAsync);
        api.MapGet("/accounts/{address}/messages", ListMessagesAsync);
        api.MapGet("/accounts/{address}/messages/{uid:long}", ReadMessageAsync);
        api.MapDelete("/accounts/{address}/messages/{uid:long}", DeleteMessageAsync);

        api.MapGet("/maildrops", ListMaildropsAsync);
        api.MapGet("/maildrops/{name}/messages", ListMaildropMessagesAsync);
        api.MapGet("/maildrops/{name}/messages/{uid:long}", ReadMessageAsync);
        api.MapDelete("/maildrops/{name}/messages/{uid:long}", DeleteMessageAsync);

        RelayApi.Map(api);
        QuarantineApi.Map(api);

        api.MapGet("/whitelist/{owner}", ListWhiteListAsync);
        api.MapPut("/whitelist/{owner}/{address}", PutWhiteListAsync);
        api.MapDelete("/whitelist/{owner}/{address}", DeleteWhiteListAsync);

        QueueApi.Map(api);
        NodeApi.Map(api);
        return app;
    }

    private static async Task<IResult> ListDomainsAsync(IGrainFactory grains)
    {
        var names = await grains.GetGrain<IDirectoryGrain>(GrainKeys.Directory).ListDomainsAsync();
        var domains = await Task.WhenAll(names.Select(n => grains.GetGrain<IDomainGrain>(n).GetAsync()));
        return Results.Json(domains.OfType<DomainInfo>().Select(ToJson), Json);
    }

    private static async Task<IResult> GetDomainAsync(string domain, IGrainFactory grains)
    {
        if (!GrainKeys.TryNormalizeDomain(domain, out var key))
        {
            return BadRequest($"'{domain}' is not a valid domain name");
        }

        var info = await grains.GetGrain<IDomainGrain>(key).GetAsync();
        return info is null ? NotFound($"domain '{key}' is not a local domain") : Results.Json(ToJson(info), Json);
    }

    private static async Task<IResult> PutDomainAsync(string domain, HttpRequest request, IGrainFactory grains)
    {
        if (!GrainKeys.TryNormalizeDomain(domain, out var key))
        {
            return BadRequest($"'{domain}' is not a valid domain name");
        }

        var (body, error) = await ReadBodyAsync<DomainBody>(request);
        if (body is null)
        {
            return error!;
        }

        if (body.Name is not null && (!GrainKeys.TryNormalizeDomain(body.Name, out var bodyKey) || bodyKey != key))
        {
            return BadRequest($"body name '{body.Name}' does not match the path's domain '{key}'");
        }

        if (!UnlistedSenderModes.TryParse(body.UnlistedSenders, out var unlisted))
        {
            return BadUnlistedSenders();
        }

        var delivery = ToSettings(body.Delivery) ?? DeliverySettings.MailboxDelivery;
        var grain = grains.GetGrain<IDomainGrain>(key);
        var result = await grain.PutAsync(new DomainSettings(delivery, body.Postmaster) { QuotaBytes = body.QuotaBytes, UnlistedSenders = unlisted });
        return await ToResultAsync(result, async () => ToJson((await grain.GetAsync())!));
    }

    private static async Task<IResult> DeleteDomainAsync(string domain, IGrainFactory grains)
    {
        if (!GrainKeys.TryNormalizeDomain(domain, out var key))
        {
            return BadRequest($"'{domain}' is not a valid domain name");
        }

        return await ToResultAsync(await grains.GetGrain<IDomainGrain>(key).DeleteAsync(), null);
    }

    private static async Task<IResult> ListAccountsAsync(string? domain, IGrainFactory grains)
    {
        IReadOnlyList<string> domains;
        if (domain is not null)
        {
            if (!GrainKeys.TryNormalizeDomain(domain, out var key))
            {
                return BadRequest($"'{domain}' is not a valid domain name");
            }

            domains = [key];
        }
        else
        {
            domains = await grains.GetGrain<IDirectoryGrain>(GrainKeys.Directory).ListDomainsAsync();
        }

        var lists = await Task.WhenAll(domains.Select(d => grains.GetGrain<IDomainGrain>(d).ListAccountsAsync()));
        return Results.Json(lists.SelectMany(l => l).Select(a => new { address = a }), Json);
    }

    private static async Task<IResult> GetAccountAsync(string address, IGrainFactory grains)
    {
        if (!GrainKeys.TryNormalizeAddress(address, out var key))
        {
            return BadRequest($"'{address}' is not a valid address");
        }

        var info = await grains.GetGrain<IAccountGrain>(key).GetAsync();
        return info is null ? NotFound($"account '{key}' does not exist") : Results.Json(ToJson(info), Json);
    }

    private static async Task<IResult> PutAccountAsync(string address, HttpRequest request, IGrainFactory grains, IOptions<Pop3Options> pop3)
    {
        if (!GrainKeys.TryNormalizeAddress(address, out var key))
        {
            return BadRequest($"'{address}' is not a valid address");
        }

        var (body, error) = await ReadBodyAsync<AccountBody>(request);
        if (body is null)
        {
            return error!;
        }

        if (body.Address is not null && (!GrainKeys.TryNormalizeAddress(body.Address, out var bodyKey) || bodyKey != key))
        {
            return BadRequest($"body address '{body.Address}' does not match the path's address '{key}'");
        }

        if (!UnlistedSenderModes.TryParse(body.UnlistedSenders, out var unlisted))
        {
            return BadUnlistedSenders();
        }

        var grain = grains.GetGrain<IAccountGrain>(key);
        var result = await grain.PutAsync(new AccountUpdate(body.Password, KeepApopSecret: pop3.Value.EnableApop, ToSettings(body.Delivery))
        {
            QuotaBytes = body.QuotaBytes,
            UnlistedSenders = unlisted,
        });
        return await ToResultAsync(result, async () => ToJson((await grain.GetAsync())!));
    }

    private static async Task<IResult> DeleteAccountAsync(string address, IGrainFactory grains)
    {
        if (!GrainKeys.TryNormalizeAddress(address, out var key))
        {
            return BadRequest($"'{address}' is not a valid address");
        }

        return await ToResultAsync(await grains.GetGrain<IAccountGrain>(key).DeleteAsync(), null);
    }

    private static async Task<IResult> ListMessagesAsync(string address, IGrainFactory grains)
    {
        if (!GrainKeys.TryNormalizeAddress(address, out var key))
        {
            return BadRequest($"'{address}' is not a valid address");
        }

        var grain = grains.GetGrain<IAccountGrain>(key);
        var entries = await grain.ListMessagesAsync();
        if (entries.Count == 0 && await grain.GetAsync() is null)
        {
            return NotFound($"'{key}' has no account and no maildrop");
        }

        return Results.Json(entries.Select(ToJson), Json);
    }

    /// <summary>
    /// A message of a maildrop, by the account's address or (under /maildrops) the maildrop's name, which is the
    /// normalised address it was delivered to, with or without an account.
    /// </summary>
    private static async Task<IResult> ReadMessageAsync(HttpRequest request, long uid, IGrainFactory grains)
    {
        if (MaildropKey(request) is not { } key)
        {
            return BadMaildropName(request);
        }

        var content = await grains.GetGrain<IAccountGrain>(key).ReadMessageAsync(uid);
        return content is null ? NotFound($"no message {uid} in the maildrop of '{key}'") : Results.Bytes(content, "message/rfc822");
    }

    /// <summary>
    /// Deletes one message of a maildrop (with or without an account): 204, 404 when there is no such message, 409
    /// while a POP3 session holds the maildrop's lock (<see cref="IAccountGrain.DeleteMessageAsync"/>).
    /// </summary>
    private static async Task<IResult> DeleteMessageAsync(HttpRequest request, long uid, IGrainFactory grains)
    {
        if (MaildropKey(request) is not { } key)
        {
            return BadMaildropName(request);
        }

        return await ToResultAsync(await grains.GetGrain<IAccountGrain>(key).DeleteMessageAsync(uid), null);
    }

    /// <summary>Every maildrop the store holds, an account's or one left without an account (the old postmaster sink).</summary>
    private static async Task<IResult> ListMaildropsAsync(IGrainFactory grains)
    {
        var maildrops = await grains.GetGrain<IDirectoryGrain>(GrainKeys.Directory).ListMaildropsAsync();
        return Results.Json(maildrops.Select(m => new { name = m.Name, messageCount = m.Count, usedBytes = m.Bytes }), Json);
    }

    private static async Task<IResult> ListMaildropMessagesAsync(HttpRequest request, IGrainFactory grains)
    {
        if (MaildropKey(request) is not { } key)
        {
            return BadMaildropName(request);
        }

        var entries = await grains.GetGrain<IAccountGrain>(key).ListMessagesAsync();
        return entries.Count == 0 ? NotFound($"no maildrop '{key}'") : Results.Json(entries.Select(ToJson), Json);
    }

    /// <summary>The normalised maildrop key of the route's <c>{address}</c> or <c>{name}</c>, or null when it is not an address.</summary>
    private static string? MaildropKey(HttpRequest request) =>
        GrainKeys.TryNormalizeAddress(MaildropName(request), out var key) ? key : null;

    private static string? MaildropName(HttpRequest request) => (request.RouteValues["address"] ?? request.RouteValues["name"]) as string;

    private static IResult BadMaildropName(HttpRequest request) => BadRequest($"'{MaildropName(request)}' is not a valid address");

    private static object ToJson(MaildropEntry entry) => new { uid = entry.Uid, size = entry.Size, receivedAt = entry.ReceivedAt };

    private static async Task<IResult> ListWhiteListAsync(string owner, IGrainFactory grains)
    {
        var (key, error) = await OwnerAsync(owner, grains);
        return key is null
            ? error!
            : Results.Json((await grains.GetGrain<IWhiteListGrain>(key).ListAsync()).Select(ToJson), Json);
    }

    private static async Task<IResult> PutWhiteListAsync(string owner, string address, IGrainFactory grains)
    {
        var (key, error) = await OwnerAsync(owner, grains);
        if (key is null)
        {
            return error!;
        }

        var list = grains.GetGrain<IWhiteListGrain>(key);
        return await ToResultAsync(await list.PutAsync(address), async () =>
            (await list.ListAsync()).Where(e => string.Equals(e.Address, address, StringComparison.OrdinalIgnoreCase)).Select(ToJson).FirstOrDefault() ?? new { });
    }

    private static async Task<IResult> DeleteWhiteListAsync(string owner, string address, IGrainFactory grains)
    {
        var (key, error) = await OwnerAsync(owner, grains);
        return key is null ? error! : await ToResultAsync(await grains.GetGrain<IWhiteListGrain>(key).DeleteAsync(address), null);
    }

    /// <summary>The normalised owner of a white list, which must be a local account; otherwise the 400/404 to send.</summary>
    private static async Task<(string? Key, IResult? Error)> OwnerAsync(string owner, IGrainFactory grains)
    {
        if (!GrainKeys.TryNormalizeAddress(owner, out var key))
        {
            return (null, BadRequest($"'{owner}' is not a valid address"));
        }

        return await grains.GetGrain<IAccountGrain>(key).GetAsync() is null
            ? (null, NotFound($"'{key}' is not a local account"))
            : (key, null);
    }

    private static object ToJson(WhiteListEntry entry) => new
    {
        address = entry.Address,
        addedAt = entry.AddedAt,
        source = entry.Source,
        lastMatchedAt = entry.LastMatchedAt,
    };

    private static object ToJson(DomainInfo info) => new
    {
        name = info.Name,
        delivery = ToDomainJson(info.Delivery),
        postmaster = info.Postmaster,
        accounts = info.AccountCount,
        quotaBytes = info.QuotaBytes,
        unlistedSenders = UnlistedSenderModes.ToText(info.UnlistedSenders),
    };

    private static AccountView ToJson(AccountInfo info) => new(
        info.Address,
        ToJson(info.Delivery),
        info.CreatedAt,
        info.MessageCount,
        info.MessageBytes,
        info.QuotaBytes,
        info.EffectiveQuotaBytes,
        UsedBytes: info.MessageBytes,
        MessageCount: info.MessageCount,
        UnlistedSenders: UnlistedSenderModes.ToText(info.UnlistedSenders),
        EffectiveUnlistedSenders: UnlistedSenderModes.ToText(info.EffectiveUnlistedSenders));

    private static object ToJson(DeliverySettings delivery) => new { mode = delivery.Mode, host = delivery.Host, port = delivery.Port };

    /// <summary>A domain's delivery: a forwarding domain also shows how its recipients are verified (callout when it was never set).</summary>
    private static object ToDomainJson(DeliverySettings delivery) => !delivery.IsForward
        ? ToJson(delivery)
        : new { mode = delivery.Mode, host = delivery.Host, port = delivery.Port, verifyRecipients = delivery.Verification, validRecipients = delivery.ValidRecipients };

    private static DeliverySettings? ToSettings(DeliveryBody? body) =>
        body is null
            ? null
            : new DeliverySettings((body.Mode ?? "").ToLowerInvariant(), body.Host, body.Port, body.VerifyRecipients?.ToLowerInvariant(), body.ValidRecipients);

    internal static async Task<IResult> ToResultAsync(AdminResult result, Func<Task<object>>? body, JsonSerializerOptions? json = null) => result.Outcome switch
    {
        AdminOutcome.Created => Results.Json(body is null ? null : await body(), json ?? Json, statusCode: StatusCodes.Status201Created),
        AdminOutcome.Updated => Results.Json(body is null ? null : await body(), json ?? Json),
        AdminOutcome.Deleted => Results.NoContent(),
        AdminOutcome.NotFound => NotFound(result.Error!),
        AdminOutcome.Conflict => Problem(StatusCodes.Status409Conflict, "Conflict", result.Error!),
        _ => BadRequest(result.Error!),
    };

    /// <summary>Reads a JSON object body; on failure returns the 400 to send instead.</summary>
    internal static async Task<(T? Body, IResult? Error)> ReadBodyAsync<T>(HttpRequest request)
        where T : class
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, Problem(StatusCodes.Status413PayloadTooLarge, "Payload Too Large", $"bodies are limited to {MaxBodyBytes} bytes"));
        }

        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(request.Body, Json, request.HttpContext.RequestAborted);
            return body is null ? (null, BadRequest("a JSON object body is required")) : (body, null);
        }
        catch (JsonException ex)
        {
            return (null, BadRequest($"malformed JSON body: {ex.Message}"));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problem(StatusCodes.Status413PayloadTooLarge, "Payload Too Large", $"bodies are limited to {MaxBodyBytes} bytes"));
        }
    }

    private static IResult BadUnlistedSenders() =>
        BadRequest($"unlistedSenders must be \"{UnlistedSenderModes.Deliver}\" or \"{UnlistedSenderModes.Quarantine}\"");

    internal static IResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, "Bad Request", detail);

    internal static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, "Not Found", detail);

    internal static IResult Problem(int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title);
}
