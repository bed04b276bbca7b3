using System.Globalization;

namespace EmailAI.Grains.Authentication.Dmarc;

/// <summary>
/// A DMARC policy record (RFC 7489 §6.3): <see cref="Policy"/> (<c>p=</c>), <see cref="SubdomainPolicy"/>
/// (<c>sp=</c>, null when absent: <c>p</c> then applies to subdomains), <see cref="Percent"/> (<c>pct=</c>, default
/// 100), strict DKIM (<c>adkim=s</c>) and SPF (<c>aspf=s</c>) alignment. Reporting tags (<c>rua</c>, <c>ruf</c>,
/// <c>fo</c>, <c>rf</c>, <c>ri</c>) are read only to decide the §6.6.3 rule below; unknown tags are ignored (§6.3).
/// </summary>
public sealed record DmarcRecord(string Policy, string? SubdomainPolicy, int Percent, bool StrictDkim, bool StrictSpf)
{
    /// <summary>RFC 7489 §6.6.3 step 2: a record whose first tag is not <c>v=DMARC1</c> is discarded before records are counted.</summary>
    public static bool IsDmarcRecord(string text)
    {
        var semicolon = text.IndexOf(';');
        var first = (semicolon < 0 ? text : text[..semicolon]).Trim(' ', '\t');
        var equals = first.IndexOf('=');
        return equals > 0 && first[..equals].TrimEnd(' ', '\t') == "v" && first[(equals + 1)..].TrimStart(' ', '\t') == "DMARC1";
    }

    /// <summary>
    /// The record, or null when "no DMARC processing" applies (RFC 7489 §6.6.3 step 6): a tag list that does not parse,
    /// or a missing or invalid <c>p=</c> (or invalid <c>sp=</c>) without a valid <c>rua=</c> URI — with one, the record
    /// counts as <c>p=none</c>. An invalid <c>pct=</c>, <c>adkim=</c> or <c>aspf=</c> is ignored: its default applies.
    /// </summary>
    public static DmarcRecord? Parse(string text)
    {
        if (!IsDmarcRecord(text) || !TagList.TryParse(text, out var tags))
        {
            return null;
        }

        var p = TagList.Get(tags, "p")?.ToLowerInvariant();
        var sp = TagList.Get(tags, "sp")?.ToLowerInvariant();
        if (!IsPolicy(p) || (sp is not null && !IsPolicy(sp)))
        {
            if (!HasValidReportUri(TagList.Get(tags, "rua")))
            {
                return null;
            }

            p = "none";
            sp = null;
        }

        var pct = TagList.Get(tags, "pct") is { } percent && int.TryParse(percent, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= 100 ? value : 100;
        return new DmarcRecord(p!, sp, pct, IsStrict(TagList.Get(tags, "adkim")), IsStrict(TagList.Get(tags, "aspf")));
    }

    /// <summary>The policy for the From domain: <c>sp=</c> (or <c>p=</c>) when the record was found at its organisational domain, RFC 7489 §6.3.</summary>
    public string PolicyFor(bool subdomain) => subdomain ? SubdomainPolicy ?? Policy : Policy;

    private static bool IsPolicy(string? value) => value is "none" or "quarantine" or "reject";

    private static bool IsStrict(string? value) => string.Equals(value, "s", StringComparison.OrdinalIgnoreCase);

    /// <summary>RFC 7489 §6.4: rua is a comma-separated list of URIs (each optionally followed by "!size").</summary>
    private static bool HasValidReportUri(string? rua) =>
        rua is not null && rua.Split(',').Any(u => Uri.TryCreate(u.Trim().Split('!')[0], UriKind.Absolute, out var uri) && uri.Scheme.Length > 0);
}
