using System.Globalization;
using System.Text;
using EmailAI.Contracts;
using EmailAI.Protocols.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EmailAI.Gateway.Admin;

/// <summary>
/// The outbound queue tools of the admin API: rows searched by destination, sender, recipient, age and state; a summary
/// per destination (the view that answers "why is this stuck?"); one message with every recipient's attempts and its
/// header fields, and its raw content (Postfix's <c>postcat</c>); and actions — retry now (<c>postqueue -f</c>), hold
/// and release (<c>postsuper -h/-H</c>), delete (<c>postsuper -d</c>) — on one row, one message, or every row a filter
/// selects. Each action is logged with who asked (the <c>X-EmailAI-Actor</c> header the CLI and the page send, and
/// the client address) and answers how many rows matched, changed, and were being sent at that moment: for those the
/// action takes effect after the attempt in progress.
/// </summary>
public static class QueueApi
{
    /// <summary>Most queue entries one GET /api/v1/queue returns.</summary>
    public const int MaxPage = 1000;

    /// <summary>Queue entries returned when no limit is given.</summary>
    public const int DefaultPage = 100;

    /// <summary>Longest <c>X-EmailAI-Actor</c> kept for the log.</summary>
    public const int MaxActorLength = 64;

    /// <summary>The header that names who asked for an action, for the log (the token says only that it was an admin).</summary>
    public const string ActorHeader = "X-EmailAI-Actor";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/queue", ListAsync);
        api.MapGet("/queue/destinations", DestinationsAsync);
        api.MapGet("/queue/{id:long}", GetRowAsync);
        api.MapGet("/queue/{queueId}", GetMessageAsync);
        api.MapGet("/queue/{queueId}/content", ContentAsync);

        api.MapPost("/queue/{id:long}/retry", RetryRowAsync);
        api.MapPost("/queue/{selector}/{action:regex(^(retry|hold|release)$)}", (string selector, string action, HttpContext context) =>
            ActOnOneAsync(selector, action, context));
        api.MapPost("/queue/{action:regex(^(retry|hold|release)$)}", (string action, HttpContext context) => ActOnFilterAsync(action, context));
        api.MapDelete("/queue/{id:long}", DeleteRowAsync);
        api.MapDelete("/queue/{queueId}", (string queueId, HttpContext context) => ActOnOneAsync(queueId, "delete", context));
        api.MapDelete("/queue", (Delegate)((HttpContext context) => ActOnFilterAsync("delete", context)));
    }

    /// <summary>Rows by id, filtered by <c>?destination=&amp;sender=&amp;recipient=&amp;minAge=&amp;state=</c>, paged by <c>?after=&amp;limit=</c>.</summary>
    private static async Task<IResult> ListAsync(HttpContext context, IGrainFactory grains, TimeProvider time)
    {
        var query = context.Request.Query;
        if (!TryReadPage(query, out var after, out var limit, out var error) || !TryReadFilter(query, time.GetUtcNow(), out var filter, out error))
        {
            return AdminApi.BadRequest(error);
        }

        var rows = await grains.GetGrain<IQueueGrain>(0).SearchAsync(filter with { AfterId = after }, limit);
        return Results.Json(rows.Select(r => ToJson(r, filter.Now)), AdminApi.Json);
    }

    /// <summary>One entry per destination, in ordinal order: <c>?after=</c> (a destination) and <c>?limit=</c> page through them.</summary>
    private static async Task<IResult> DestinationsAsync(string? after, int? limit, IGrainFactory grains)
    {
        if (limit is < 1 or > MaxPage)
        {
            return AdminApi.BadRequest($"limit must be 1 to {MaxPage}");
        }

        var destinations = await grains.GetGrain<IQueueGrain>(0).ListDestinationsAsync(string.IsNullOrEmpty(after) ? null : after, limit ?? DefaultPage);
        return Results.Json(
            destinations.Select(d => new
            {
                destination = d.Destination,
                messages = d.Messages,
                recipients = d.Recipients,
                held = d.Held,
                sending = d.Sending,
                connections = d.Connections,
                oldestReceivedAt = d.OldestReceivedAt,
                nextAttemptAt = d.NextAttemptAt,
                lastError = d.LastError,
                lastErrorAt = d.LastErrorAt,
            }),
            AdminApi.Json);
    }

    /// <summary>Length of the queue ids the SMTP session gives (<c>SmtpQueueId</c>).</summary>
    private const int SmtpQueueIdLength = 16;

    private static async Task<IResult> GetRowAsync(long id, HttpContext context, IGrainFactory grains, TimeProvider time)
    {
        var queue = grains.GetGrain<IQueueGrain>(0);
        if (await queue.GetAsync(id) is not { } row)
        {
            // A queue id of digits only matches this route first: look it up as a queue id too, as the actions do.
            return context.Request.RouteValues["id"] is string text && text.Length == SmtpQueueIdLength
                ? await GetMessageAsync(text, grains, time)
                : AdminApi.NotFound($"no queue entry {id}");
        }

        var attempts = await queue.ListAttemptsAsync([id]);
        return Results.Json(ToJson(row, time.GetUtcNow(), attempts), AdminApi.Json);
    }

    /// <summary>
    /// A queued message by the queue id the 250 reply and the log show (e.g. <c>06H15SJHH4N9M79Z</c>): its envelope, one
    /// entry per recipient still queued (at most <see cref="MaxPage"/>) with its attempts, and its header fields.
    /// </summary>
    private static async Task<IResult> GetMessageAsync(string queueId, IGrainFactory grains, TimeProvider time)
    {
        var queue = grains.GetGrain<IQueueGrain>(0);
        queueId = NormalQueueId(queueId);
        var rows = await queue.FindAsync(queueId, MaxPage);
        if (rows.Count == 0)
        {
            return NotQueued(queueId);
        }

        var attempts = await queue.ListAttemptsAsync([.. rows.Select(r => r.Id)]);
        var content = await queue.ReadContentAsync(rows[0].MessageId);
        var now = time.GetUtcNow();
        return Results.Json(
            new
            {
                queueId = rows[0].QueueId,
                sender = rows[0].Sender,
                receivedAt = rows[0].ReceivedAt,
                size = rows[0].Size,
                recipients = rows.Select(r => ToJson(r, now, attempts)),
                headers = content is null ? [] : HeaderFields.Read(content).Select(f => new { name = f.Name, value = f.Value }).ToArray(),
            },
            AdminApi.Json);
    }

    private static async Task<IResult> ContentAsync(string queueId, IGrainFactory grains)
    {
        var queue = grains.GetGrain<IQueueGrain>(0);
        queueId = NormalQueueId(queueId);
        var rows = await queue.FindAsync(queueId, 1);
        return rows.Count > 0 && await queue.ReadContentAsync(rows[0].MessageId) is { } content
            ? Results.Bytes(content, "message/rfc822")
            : NotQueued(queueId);
    }

    /// <summary>Retry of one row by id, as before the queue tools: 202 with the row.</summary>
    private static async Task<IResult> RetryRowAsync(long id, HttpContext context, IGrainFactory grains, TimeProvider time)
    {
        var queue = grains.GetGrain<IQueueGrain>(0);
        var result = await queue.ActOnRowAsync(QueueAction.Retry, id);
        if (result.Matched == 0 || await queue.GetAsync(id) is not { } entry)
        {
            return await ActOnOneAsync(id.ToString(CultureInfo.InvariantCulture), "retry", context);
        }

        Log(context, "retry", $"row {id}", result);
        return Results.Json(ToJson(entry, time.GetUtcNow()), AdminApi.Json, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>Deletion of one row by id, as before the queue tools: 204.</summary>
    private static async Task<IResult> DeleteRowAsync(long id, HttpContext context, IGrainFactory grains)
    {
        var result = await grains.GetGrain<IQueueGrain>(0).ActOnRowAsync(QueueAction.Delete, id);
        if (result.Matched == 0)
        {
            return await ActOnOneAsync(id.ToString(CultureInfo.InvariantCulture), "delete", context);
        }

        Log(context, "delete", $"row {id}", result);
        return Results.NoContent();
    }

    /// <summary>
    /// An action on one row (a numeric selector that names a row) or on every row of one message (a queue id; a queue id
    /// of sixteen digits reads as a row id first, and as a queue id when no row has it). 404 when neither is queued.
    /// </summary>
    private static async Task<IResult> ActOnOneAsync(string selector, string actionName, HttpContext context)
    {
        var queue = context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IQueueGrain>(0);
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var action = ParseAction(actionName);
        var selection = $"row {selector}";
        var result = long.TryParse(selector, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? await queue.ActOnRowAsync(action, id)
            : new QueueActionResult(0, 0, 0);
        if (result.Matched == 0)
        {
            selector = NormalQueueId(selector);
            selection = $"queue id {selector}";
            result = await queue.ActAsync(action, new QueueFilter(now, QueueId: selector));
        }

        if (result.Matched == 0)
        {
            return long.TryParse(selector, NumberStyles.None, CultureInfo.InvariantCulture, out _)
                ? AdminApi.NotFound($"no queue entry or queued message {selector}")
                : NotQueued(selector);
        }

        Log(context, actionName, selection, result);
        return ActionResult(actionName, selection, result);
    }

    /// <summary>An action on every row the query's filter selects; a delete needs a filter or <c>?all=true</c>.</summary>
    private static async Task<IResult> ActOnFilterAsync(string actionName, HttpContext context)
    {
        var query = context.Request.Query;
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (!TryReadFilter(query, now, out var filter, out var error))
        {
            return AdminApi.BadRequest(error);
        }

        var all = string.Equals(query["all"], "true", StringComparison.OrdinalIgnoreCase);
        if (actionName == "delete" && filter.MatchesAll && !all)
        {
            return AdminApi.BadRequest("deleting from the queue needs a filter (destination, sender, recipient, minAge, state) or all=true");
        }

        var result = await context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IQueueGrain>(0).ActAsync(ParseAction(actionName), filter);
        var selection = Describe(filter);
        Log(context, actionName, selection, result);
        return ActionResult(actionName, selection, result);
    }

    private static IResult ActionResult(string action, string selection, QueueActionResult result) => Results.Json(
        new
        {
            action,
            selection,
            matched = result.Matched,
            changed = result.Changed,
            inFlight = result.InFlight,
            note = result.InFlight == 0
                ? null
                : $"{result.InFlight} of the matched recipients {(result.InFlight == 1 ? "was" : "were")} being sent at that moment: for "
                  + $"{(result.InFlight == 1 ? "it" : "them")} the {action} takes effect after that attempt (a recipient it delivers is gone whatever was asked)",
        },
        AdminApi.Json,
        statusCode: action == "retry" ? StatusCodes.Status202Accepted : StatusCodes.Status200OK);

    private static QueueAction ParseAction(string action) => action switch
    {
        "retry" => QueueAction.Retry,
        "hold" => QueueAction.Hold,
        "release" => QueueAction.Release,
        _ => QueueAction.Delete,
    };

    private static void Log(HttpContext context, string action, string selection, QueueActionResult result)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(QueueApi).FullName!);
        logger.LogInformation(
            "Queue {Action} of {Selection} by {Actor} from {Client}: {Matched} matched, {Changed} changed, {InFlight} being sent",
            action,
            EmailAI.Protocols.Common.LogText.Escape(selection),
            Actor(context),
            context.Connection.RemoteIpAddress,
            result.Matched,
            result.Changed,
            result.InFlight);
    }

    /// <summary>Who asked: the <see cref="ActorHeader"/> as printable ASCII, at most <see cref="MaxActorLength"/> characters, or "admin".</summary>
    public static string Actor(HttpContext context)
    {
        var named = context.Request.Headers[ActorHeader].ToString();
        var clean = new StringBuilder();
        foreach (var c in named)
        {
            if (clean.Length == MaxActorLength)
            {
                break;
            }

            clean.Append(c is >= ' ' and <= '~' ? c : '?');
        }

        return clean.Length == 0 ? "admin" : "admin " + clean;
    }

    private static string Describe(QueueFilter filter)
    {
        var parts = new List<string>();
        void Add(string name, object? value)
        {
            if (value is not null)
            {
                parts.Add($"{name}={value}");
            }
        }

        Add("destination", filter.Destination);
        Add("sender", filter.Sender is "" ? "<>" : filter.Sender);
        Add("recipient", filter.Recipient);
        Add("receivedBefore", filter.ReceivedBefore?.ToString("O", CultureInfo.InvariantCulture));
        Add("state", filter.State?.ToString().ToLowerInvariant());
        return parts.Count == 0 ? "all" : string.Join(' ', parts);
    }

    private static bool TryReadPage(IQueryCollection query, out long after, out int limit, out string error)
    {
        after = 0;
        limit = DefaultPage;
        error = $"after must be an id (0 or more) and limit 1 to {MaxPage}";
        return (query["after"].ToString() is not { Length: > 0 } a || (long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out after)))
            && (query["limit"].ToString() is not { Length: > 0 } l || (int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= MaxPage));
    }

    /// <summary>
    /// The filter of <c>?destination=&amp;sender=&amp;recipient=&amp;minAge=&amp;state=</c>: a destination is normalised like
    /// a domain key; <c>sender=&lt;&gt;</c> is the null sender; <c>minAge</c> is <c>90s</c>, <c>15m</c>, <c>2h</c>,
    /// <c>3d</c> or a .NET time span (<c>1.02:00:00</c>) and keeps messages received at least that long ago; <c>state</c>
    /// is queued, deferred, sending or held.
    /// </summary>
    public static bool TryReadFilter(IQueryCollection query, DateTimeOffset now, out QueueFilter filter, out string error)
    {
        filter = new QueueFilter(now);
        error = "";
        string? Text(string name) => query[name].ToString() is { Length: > 0 } value ? value.Trim() : null;
        foreach (var name in new[] { "destination", "sender", "recipient", "minAge", "state" })
        {
            if (query[name].ToString() is { Length: > 0 } given && (given.Trim().Length == 0 || given.Any(char.IsControl)))
            {
                // A blank value would otherwise read as the null sender (every bounce) or as no filter at all.
                error = $"{name} must not be blank or hold control characters";
                return false;
            }
        }

        if (Text("destination") is { } destination)
        {
            filter = filter with { Destination = GrainKeys.TryNormalizeDomain(destination, out var key) ? key : destination.ToLowerInvariant() };
        }

        if (Text("sender") is { } sender)
        {
            filter = filter with { Sender = sender is "<>" ? "" : sender.Trim('<', '>') };
        }

        if (Text("recipient") is { } recipient)
        {
            filter = filter with { Recipient = recipient.Trim('<', '>') };
        }

        if (Text("minAge") is { } age)
        {
            if (!TryParseAge(age, out var minimum))
            {
                error = $"minAge '{age}' is not an age: use 90s, 15m, 2h, 3d or d.hh:mm:ss";
                return false;
            }

            // An age past the calendar's start selects everything received since then: all of it.
            filter = filter with { ReceivedBefore = minimum >= now - DateTimeOffset.MinValue ? DateTimeOffset.MinValue.AddDays(1) : now - minimum };
        }

        if (Text("state") is { } state)
        {
            // Names only: Enum.TryParse also reads "deferred,sending" as the OR of their numbers (= held).
            if (!Enum.TryParse<QueueRowState>(state, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed)
                || !string.Equals(parsed.ToString(), state, StringComparison.OrdinalIgnoreCase))
            {
                error = $"state '{state}' is not one of queued, deferred, sending, held";
                return false;
            }

            filter = filter with { State = parsed };
        }

        return true;
    }

    /// <summary>An age: a whole number with s, m, h or d, or a non-negative .NET time span.</summary>
    public static bool TryParseAge(string text, out TimeSpan age)
    {
        age = default;
        if (text.Length >= 2 && text[^1] is 's' or 'm' or 'h' or 'd'
            && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count <= 36_500L * 86_400)
        {
            age = text[^1] switch
            {
                's' => TimeSpan.FromSeconds(count),
                'm' => TimeSpan.FromMinutes(Math.Min(count, 36_500L * 1440)),
                'h' => TimeSpan.FromHours(Math.Min(count, 36_500L * 24)),
                _ => TimeSpan.FromDays(Math.Min(count, 36_500L)),
            };
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out age) && age >= TimeSpan.Zero;
    }

    /// <summary>Queue ids are upper-case Crockford base32; one typed or pasted in lower case is the same id.</summary>
    private static string NormalQueueId(string queueId) => queueId.ToUpperInvariant();

    private static IResult NotQueued(string queueId) => AdminApi.NotFound($"no queued message {queueId}");

    private static object ToJson(QueuedRecipient entry, DateTimeOffset now, IReadOnlyList<QueueAttempt>? attempts = null) => new
    {
        id = entry.Id,
        queueId = entry.QueueId,
        sender = entry.Sender,
        recipient = entry.Recipient,
        destination = entry.Destination,
        receivedAt = entry.ReceivedAt,
        size = entry.Size,
        state = entry.StateAt(now).ToString().ToLowerInvariant(),
        attempts = entry.Attempts,
        nextAttemptAt = entry.NextAttemptAt,
        lastError = entry.LastError,
        lastErrorAt = entry.LastErrorAt,
        history = attempts?.Where(a => a.RowId == entry.Id).Select(a => new { at = a.At, host = a.Host, reply = a.Reply }),
    };
}
