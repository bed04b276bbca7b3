using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace EmailAI.Gateway.Admin;

/// <summary>
/// The API's error form for the answers its framework gives without a body: 404 for a path under /api with no
/// endpoint, 405 for a method a path does not take, 400 for a route or query value that does not bind, 415 and the
/// like. Each gets an RFC 9457 problem+json body, as the handlers' own errors have, so a client (or a script) can
/// rely on every 4xx being a problem document. Generic texts: nothing the client sent is echoed.
/// </summary>
internal static class AdminProblems
{
    /// <summary>Writes the problem body when the answer is an error that has none yet; leaves every other answer alone.</summary>
    public static Task CompleteAsync(HttpContext context)
    {
        var response = context.Response;
        if (response.HasStarted || response.StatusCode is < 400 or >= 600 || response.ContentType is not null || response.ContentLength > 0)
        {
            return Task.CompletedTask;
        }

        var status = response.StatusCode;
        var detail = status switch
        {
            StatusCodes.Status404NotFound => "there is no resource at this path",
            StatusCodes.Status405MethodNotAllowed => "this path does not take this method (see the Allow header)",
            StatusCodes.Status400BadRequest => "a path or query value is not of the expected type",
            _ => "the request cannot be served as sent",
        };
        return AdminApi.Problem(status, ReasonPhrases.GetReasonPhrase(status), detail).ExecuteAsync(context);
    }
}
