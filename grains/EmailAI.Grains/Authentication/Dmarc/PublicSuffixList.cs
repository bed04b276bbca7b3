using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Grains.Authentication.Dmarc;

/// <summary>
/// The Public Suffix List (https://publicsuffix.org/list/), read once from <see cref="AuthenticationOptions.PublicSuffixList"/>,
/// for the organisational domain of RFC 7489 §3.2. Every rule counts, ICANN and private sections alike; <c>*</c>
/// labels match any one label, <c>!</c> rules are exceptions, and a domain no rule matches falls under the default
/// rule <c>*</c>. Rules and names are compared as lower-case A-labels (U-labels in the file or in a name are mapped
/// with IDNA). When the file cannot be read, one warning is logged and <see cref="IsLoaded"/> is false:
/// <see cref="OrganizationalDomain"/> then answers the domain itself, so relaxed alignment falls back to exact
/// comparison (never a pass that the list would not give) and DMARC discovery does not fall back to a parent.
/// Immutable after construction; safe to share.
/// </summary>
public sealed class PublicSuffixList
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = true, UseStd3AsciiRules = false };

    private readonly Node _root = new();

    public PublicSuffixList(IOptions<AuthenticationOptions> options, ILogger<PublicSuffixList> logger)
    {
        var path = options.Value.PublicSuffixList;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            logger.LogWarning(
                "The Public Suffix List {Path} could not be read ({Error}): DMARC alignment compares domains exactly and the organisational-domain fallback is off until it is installed (Debian: apt install publicsuffix)",
                path, ex.Message);
            return;
        }

        Load(text);
        if (!IsLoaded)
        {
            logger.LogWarning("The Public Suffix List {Path} has no rules: DMARC alignment compares domains exactly", path);
        }
    }

    private PublicSuffixList(string text) => Load(text);

    private sealed class Node
    {
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public bool IsRule { get; set; }

        public bool IsException { get; set; }
    }

    /// <summary>False when no list was read: organisational domains are then the domains themselves.</summary>
    public bool IsLoaded { get; private set; }

    /// <summary>How many rules were read.</summary>
    public int RuleCount { get; private set; }

    /// <summary>A list from the text of a public_suffix_list.dat file (tests, and a list shipped with the data).</summary>
    public static PublicSuffixList Parse(string text) => new(text);

    /// <summary>
    /// The organisational domain of <paramref name="domain"/> (RFC 7489 §3.2): its public suffix plus one label, as a
    /// lower-case A-label name. A domain that is itself a public suffix is its own organisational domain. A name IDNA
    /// cannot map is returned lower-cased, compared exactly.
    /// </summary>
    public string OrganizationalDomain(string domain)
    {
        var name = Normalize(domain.TrimEnd('.'));
        if (name is null || !IsLoaded)
        {
            return name ?? domain.ToLowerInvariant();
        }

        var labels = name.Split('.');
        var suffix = PublicSuffixLabels(labels);
        return suffix >= labels.Length ? name : string.Join('.', labels[^(suffix + 1)..]);
    }

    /// <summary>The public suffix of <paramref name="domain"/> (the default rule <c>*</c> gives its last label); null when it is not a name.</summary>
    public string? PublicSuffix(string domain)
    {
        var name = Normalize(domain.TrimEnd('.'));
        if (name is null)
        {
            return null;
        }

        var labels = name.Split('.');
        return string.Join('.', labels[^Math.Min(PublicSuffixLabels(labels), labels.Length)..]);
    }

    /// <summary>
    /// How many labels, from the right, the prevailing rule covers (publicsuffix.org's algorithm): an exception rule
    /// wins and covers its labels minus one; else the matching rule with the most labels; else <c>*</c>, one label.
    /// </summary>
    private int PublicSuffixLabels(string[] labels)
    {
        var rule = 1;
        var exception = 0;
        Walk(_root, labels, labels.Length - 1, 1, ref rule, ref exception);
        return exception > 0 ? exception - 1 : rule;
    }

    private static void Walk(Node node, string[] labels, int index, int depth, ref int rule, ref int exception)
    {
        if (index < 0)
        {
            return;
        }

        foreach (var key in new[] { labels[index], "*" })
        {
            if (!node.Children.TryGetValue(key, out var child))
            {
                continue;
            }

            if (child.IsException)
            {
                exception = Math.Max(exception, depth);
            }

            if (child.IsRule)
            {
                rule = Math.Max(rule, depth);
            }

            Walk(child, labels, index - 1, depth + 1, ref rule, ref exception);
            if (labels[index] == "*")
            {
                break;
            }
        }
    }

    private void Load(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            // Each line is only read up to the first whitespace; comments start with "//".
            var line = raw.Trim();
            var space = line.IndexOfAny([' ', '\t']);
            line = space < 0 ? line : line[..space];
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            var isException = line.StartsWith('!');
            var labels = (isException ? line[1..] : line).Split('.');
            if (labels.Any(l => l.Length == 0))
            {
                continue;
            }

            var node = _root;
            var valid = true;
            for (var i = labels.Length - 1; i >= 0 && valid; i--)
            {
                var label = labels[i] == "*" ? "*" : Normalize(labels[i]);
                if (label is null)
                {
                    valid = false;
                    break;
                }

                if (!node.Children.TryGetValue(label, out var child))
                {
                    child = new Node();
                    node.Children[label] = child;
                }

                node = child;
            }

            if (!valid)
            {
                continue;
            }

            if (isException)
            {
                node.IsException = true;
            }
            else
            {
                node.IsRule = true;
            }

            RuleCount++;
        }

        IsLoaded = RuleCount > 0;
    }

    /// <summary>Lower-case A-label form; null when IDNA refuses it (an empty label, a label over 63 octets).</summary>
    private static string? Normalize(string name)
    {
        if (name.Length == 0)
        {
            return null;
        }

        if (name.All(c => c < 0x80) && !name.Contains("xn--", StringComparison.OrdinalIgnoreCase))
        {
            var lower = name.ToLowerInvariant();
            return lower.Split('.').Any(l => l.Length is 0 or > 63) ? null : lower;
        }

        try
        {
            return Idn.GetAscii(name).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
