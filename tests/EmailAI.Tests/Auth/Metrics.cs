using System.Globalization;

namespace EmailAI.Tests.Auth;

/// <summary>Reads counters out of Prometheus text exposition (what /metrics serves).</summary>
public static class Metrics
{
    /// <summary>Sums the samples of <paramref name="name"/> whose label set contains every one of <paramref name="labels"/> (<c>key="value"</c>).</summary>
    public static double Sum(string text, string name, params string[] labels) =>
        text.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            .Where(line => labels.All(label => line.Contains(label, StringComparison.Ordinal)))
            .Sum(line =>
            {
                var rest = line.Contains('{') ? line[(line.LastIndexOf('}') + 1)..] : line[name.Length..];
                var value = rest.Trim().Split(' ')[0];
                return double.Parse(value, CultureInfo.InvariantCulture);
            });
}
