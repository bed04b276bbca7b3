using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace EmailAI.Gateway.Admin;

/// <summary>
/// The admin web page at <c>/</c> of the admin listener: one HTML page, its script, style sheet and icon, embedded in
/// this assembly (no CDN, no files beside the binary), so it works on a network without internet. The page needs no
/// token to load; everything it shows comes from <c>/api/v1</c> with the token the user types, which the script keeps
/// in the tab's sessionStorage and sends as the Authorization header — never in a URL or a cookie. Every answer carries
/// a Content-Security-Policy that allows only these assets and calls to this origin: no inline script, no frames, no
/// form posts anywhere.
/// </summary>
public static class AdminPage
{
    /// <summary>The policy on every page asset.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private const string ResourcePrefix = "EmailAI.AdminPage.";

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    public static IEndpointRouteBuilder MapEmailAIAdminPage(this IEndpointRouteBuilder app)
    {
        // HEAD as well as GET: monitors and link checkers probe with HEAD (Kestrel sends the headers, not the body).
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods("/", methods, ServeIndex);
        app.MapMethods("/admin/{name}", methods, ServeAsset);
        return app;
    }

    private static IResult ServeIndex(HttpContext context) => Serve(context, "index.html");

    private static IResult ServeAsset(string name, HttpContext context) => Serve(context, name);

    private static IResult Serve(HttpContext context, string name)
    {
        // The policy goes on a 404 too: nothing under the page's paths is ever rendered without it.
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        if (name == "index.html" && context.Request.Path != "/" || !Assets.TryGetValue(name, out var asset))
        {
            return Results.NotFound();
        }

        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        // Revalidated on every load (cheap: an ETag match is a 304), so an upgraded server never runs an old script.
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Bytes, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(AdminPage).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var name = resource[ResourcePrefix.Length..];
            var type = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                ".png" => "image/png",
                _ => "application/octet-stream",
            };
            assets[name] = new Asset(bytes, type, new EntityTagHeaderValue("\"" + Convert.ToHexString(SHA256.HashData(bytes))[..16] + "\"").ToString());
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
