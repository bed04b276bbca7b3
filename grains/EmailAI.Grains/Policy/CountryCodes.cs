namespace EmailAI.Grains.Policy;

/// <summary>
/// The country codes IP location blocking accepts: the 249 officially assigned ISO 3166-1 alpha-2 codes, the
/// user-assigned ones (AA, QM–QZ, XA–XZ, ZZ; <c>XK</c> is how databases write Kosovo), the region codes location
/// databases return for addresses they place no closer (<c>EU</c>, <c>AP</c>) and two withdrawn codes they still
/// use (<c>AN</c>, <c>CS</c>). <c>UK</c> is refused with the hint that the code is <c>GB</c> (location databases
/// that write UK are read as GB), so a list never holds a code that can match nothing.
/// </summary>
public static class CountryCodes
{
    private static readonly HashSet<string> Assigned = new(
        string.Join(" ", new[]
        {
        "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ",
        "BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR",
        "CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR",
        "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU",
        "ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ",
        "LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ",
        "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF",
        "PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI",
        "SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR",
        "TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW",
        }).Split(' '),
        StringComparer.Ordinal);

    private static readonly HashSet<string> Other = ["AA", "ZZ", "EU", "AP", "AN", "CS"];

    /// <summary>
    /// Normalises <paramref name="text"/> to upper case and says whether it is a code a list may hold; when not,
    /// <paramref name="error"/> says why, naming the value.
    /// </summary>
    public static bool TryNormalize(string? text, out string code, out string? error)
    {
        code = (text ?? "").ToUpperInvariant();
        error = null;
        if (code.Length != 2 || !code.All(char.IsAsciiLetterUpper))
        {
            error = $"'{text}' is not an ISO 3166-1 alpha-2 country code (two letters, such as DE)";
            return false;
        }

        if (code == "UK")
        {
            error = "'UK' is not an ISO 3166-1 alpha-2 country code: the United Kingdom is GB";
            return false;
        }

        if (Assigned.Contains(code) || Other.Contains(code) || code[0] == 'X' || (code[0] == 'Q' && code[1] >= 'M'))
        {
            return true;
        }

        error = $"'{text}' is not an assigned ISO 3166-1 alpha-2 country code";
        return false;
    }
}
