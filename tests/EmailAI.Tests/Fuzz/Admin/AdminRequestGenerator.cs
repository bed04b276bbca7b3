using System.Text;

namespace EmailAI.Tests.Fuzz.Admin;

/// <summary>
/// Random admin API requests: every method on every route of AdminApi and RelayApi (and paths next to them), with
/// segments that are valid, percent-encoded (NUL, slash, invalid UTF-8), dot segments, empty, unicode or very long;
/// query strings of wrong types and sizes; bodies that are valid, of wrong types, null, huge numbers, deeply nested,
/// invalid UTF-8, with duplicate keys, huge strings, or not JSON at all; with the token, without it or a wrong one.
/// </summary>
public static class AdminRequestGenerator
{
    public sealed record Request(string Method, string Target, IReadOnlyList<(string Name, string Value)> Headers, byte[]? Body)
    {
        /// <summary>
        /// True when the request target is one HTTP/1.1 allows (RFC 9112 §3.2: visible ASCII) and Kestrel takes (no NUL
        /// once the path is decoded; a stray % it leaves undecoded). Kestrel itself refuses any other request line with
        /// a bare 400 before the application sees it.
        /// </summary>
        public bool WellFormed
        {
            get
            {
                for (var i = 0; i < Target.Length; i++)
                {
                    var c = Target[i];
                    if (c is <= ' ' or > '~')
                    {
                        return false;
                    }
                }

                var path = Target.Split('?')[0];
                return !path.Contains("%00", StringComparison.Ordinal);
            }
        }

        /// <summary>True for the API under /api (its 4xx are problem+json); /healthz, /readyz and /metrics are outside it.</summary>
        public bool UnderApi => Target == "/api" || Target.StartsWith("/api/", StringComparison.Ordinal) || Target.StartsWith("/api?", StringComparison.Ordinal);

        public override string ToString() =>
            $"{Method} {Target} [{string.Join("; ", Headers.Select(h => h.Name + ": " + (h.Value.Length > 60 ? h.Value[..60] + "…" : h.Value)))}] body={(Body is null ? "none" : FuzzText.Literal(Body.AsSpan(0, Math.Min(Body.Length, 300))) + (Body.Length > 300 ? $"… ({Body.Length} octets)" : ""))}";
    }

    private static readonly string[] Methods = ["GET", "GET", "PUT", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"];

    private static readonly string[] Templates =
    [
        "/api/v1/domains", "/api/v1/domains/{d}", "/api/v1/accounts", "/api/v1/accounts?domain={q}", "/api/v1/accounts/{a}",
        "/api/v1/accounts/{a}/messages", "/api/v1/accounts/{a}/messages/{n}", "/api/v1/relay", "/api/v1/relay/check?ip={q}&to={q}&helo={q}&from={q}",
        "/api/v1/relay/check?ip={ip}&to={a}", "/api/v1/whitelist/{a}", "/api/v1/whitelist/{a}/{a}", "/api/v1/queue", "/api/v1/queue?after={n}&limit={n}",
        "/api/v1/queue/{n}", "/api/v1/queue/{s}", "/api/v1/queue/{n}/retry", "/api/v1/domains/{d}/dkim", "/api/v1/accounts/{a}/quarantine",
        "/api/v1/{s}", "/api/v1/{s}/{s}", "/api/v2/domains", "/api", "/api/", "/api/v1//domains", "/healthz", "/readyz", "/metrics",
    ];

    private static readonly string[] Domains = ["fuzz.example", "FUZZ.Example.", "xn--bcher-kva.example", "bücher.example", "-bad-.example", "a..b", "localhost", "[192.0.2.1]"];

    private static readonly string[] Numbers = ["1", "0", "-1", "9223372036854775807", "9223372036854775808", "1e3", "abc", "", "00001", "1.5", "%31"];

    private static readonly string[] Ips = ["192.0.2.1", "::1", "010.0.0.1", "256.1.1.1", "", "::ffff:192.0.2.1", "fe80::1%25eth0", "1.2.3"];

    public static Request Generate(Random random, string token)
    {
        var method = Methods[random.Next(Methods.Length)];
        var template = Templates[random.Next(Templates.Length)];
        var target = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] != '{')
            {
                target.Append(template[i]);
                continue;
            }

            var close = template.IndexOf('}', i);
            target.Append(Fill(random, template[(i + 1)..close]));
            i = close;
        }

        var headers = new List<(string, string)>();
        switch (random.Next(10))
        {
            case 0:
                break;
            case 1:
                headers.Add(("Authorization", (new[] { "Bearer wrong", "Bearer", "Basic " + token, token, "Bearer " + token + " extra", "bearer " + token })[random.Next(6)]));
                break;
            default:
                headers.Add(("Authorization", "Bearer " + token));
                break;
        }

        byte[]? body = null;
        if (method is "PUT" or "POST" or "PATCH" || random.Next(8) == 0)
        {
            body = Body(random, template);
            headers.Add(("Content-Type", (new[] { "application/json", "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded" })[random.Next(5)]));
        }

        return new Request(method, target.ToString(), headers, body);
    }

    private static string Fill(Random random, string slot) => random.Next(4) switch
    {
        0 => Hostile(random),
        _ => slot switch
        {
            "d" => Domains[random.Next(Domains.Length)],
            "a" => random.Next(3) == 0 ? "alice@" + Domains[random.Next(Domains.Length)] : "alice@fuzz.example",
            "n" => Numbers[random.Next(Numbers.Length)],
            "ip" => Ips[random.Next(Ips.Length)],
            "q" => Uri.EscapeDataString(Hostile(random)),
            _ => "no-such-thing",
        },
    };

    /// <summary>A path segment no client should send.</summary>
    private static string Hostile(Random random) => random.Next(14) switch
    {
        0 => "..",
        1 => "%2e%2e",
        2 => "",
        3 => "%00",
        4 => "a%2Fb",
        5 => "%FF%FE",
        6 => "%C0%AF",
        7 => Uri.EscapeDataString("ünïcødé@例え.テスト"),
        8 => new string('a', random.Next(200, 5000)),
        9 => Uri.EscapeDataString(new string('x', random.Next(60, 80)) + "@" + new string('d', random.Next(250, 300)) + ".example"),
        10 => "%",
        11 => "a b",
        12 => "<script>",
        _ => "%25%25" + random.Next(),
    };

    private static byte[] Body(Random random, string template)
    {
        var valid = template.Contains("relay", StringComparison.Ordinal)
            ? """{"authorisedIps":["192.0.2.%","10.0.0.7"],"autoWhiteListRecipients":true,"submissionSenders":"own","ipLocationBlocking":{"blockedCountries":["XX"],"allowedCountries":[],"blockedRanges":[],"blockUnknown":false,"message":"no"}}"""
            : template.Contains("accounts", StringComparison.Ordinal)
                ? """{"address":"alice@fuzz.example","password":"password-123","delivery":{"mode":"mailbox"}}"""
                : """{"name":"fuzz.example","delivery":{"mode":"forward","host":"10.0.0.5","port":25},"postmaster":"alice@fuzz.example"}""";
        return random.Next(16) switch
        {
            0 or 1 or 2 => Encoding.UTF8.GetBytes(valid),
            3 => Encoding.UTF8.GetBytes(Replace(random, valid)),
            4 => "null"u8.ToArray(),
            5 => Encoding.UTF8.GetBytes((new[] { "[]", "\"text\"", "42", "true", "{}", "", " ", "{", "}" })[random.Next(9)]),
            6 => Encoding.UTF8.GetBytes(new string('[', random.Next(60, 3000)) + new string(']', random.Next(0, 3000))),
            7 => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", random.Next(60, 1000))) + "1" + new string('}', random.Next(0, 1000))),
            8 => [.. Encoding.UTF8.GetBytes(valid[..^2]), 0xFF, 0xC0, 0xAF, .. "\"}"u8],
            9 => Encoding.UTF8.GetBytes(valid.Insert(1, "\"password\":\"x\",\"name\":\"other.example\",\"address\":\"bob@fuzz.example\",\"delivery\":{\"mode\":\"mailbox\"},")),
            10 => Encoding.UTF8.GetBytes("{\"password\":\"" + new string('p', random.Next(100_000, 300_000)) + "\",\"name\":\"" + new string('n', random.Next(1000, 70_000)) + "\"}"),
            11 => Encoding.UTF8.GetBytes("{\"authorisedIps\":[" + string.Join(',', Enumerable.Repeat("\"10.0.0.1\"", random.Next(1000, 50_000))) + "]}"),
            12 => new byte[random.Next(1024 * 1024 - 10, 1024 * 1024 + 10)],
            13 => FuzzMutator.Garbage(random, 400),
            14 => Encoding.UTF8.GetBytes("{\"delivery\":{\"mode\":\"forward\",\"host\":\"" + Hostile(random) + "\",\"port\":" + (new[] { "99999999999999999999", "-1", "65536", "1.5", "\"25\"", "null", "1e400" })[random.Next(7)] + "}}"),
            _ => Encoding.UTF8.GetBytes("{\"name\":\"\\u0000\\ud800\",\"password\":\"\\ud83d\",\"blockedCountries\":[null,1,{}],\"ipLocationBlocking\":{\"blockedCountries\":[\"" + new string('Z', random.Next(1, 5)) + "\",null],\"message\":\"" + new string('m', random.Next(0, 20_000)) + "\"}}"),
        };
    }

    /// <summary>The valid body with one value replaced by something of another type or size.</summary>
    private static string Replace(Random random, string valid)
    {
        string[] values = ["null", "1", "-1", "1e308", "99999999999999999999999999", "\"\"", "[]", "{}", "true", "\"" + new string('v', 5000) + "\"", "[null]", "[1,2]", "\"\\u0000\""];
        var value = values[random.Next(values.Length)];
        var colon = valid.IndexOf(':', random.Next(valid.Length));
        if (colon < 0)
        {
            return valid;
        }

        var end = colon + 1;
        var depth = 0;
        var inString = false;
        for (; end < valid.Length; end++)
        {
            var c = valid[end];
            if (inString)
            {
                inString = c != '"';
                continue;
            }

            if (c == '"')
            {
                inString = true;
            }
            else if (c is '[' or '{')
            {
                depth++;
            }
            else if (c is ']' or '}')
            {
                if (depth-- == 0)
                {
                    break;
                }
            }
            else if (c == ',' && depth == 0)
            {
                break;
            }
        }

        return valid[..(colon + 1)] + value + valid[end..];
    }
}
