using EmailAI.Protocols.Smtp;

namespace EmailAI.Gateway.Smtp;

/// <summary>
/// The reason label of <c>emailai.smtp.rejections</c>: a small fixed set, so a dashboard can chart refusals by why
/// without the cardinality of reply texts. Decided from the reply's code and enhanced status code and, where the code
/// alone does not say (5.7.1 is relay, location and DMARC alike), the log reason or the catalogue text.
/// </summary>
public static class RejectionReason
{
    public const string UnknownUser = "unknown_user";
    public const string RelayDenied = "relay_denied";
    public const string LocationBlocked = "location_blocked";
    public const string Dmarc = "dmarc";
    public const string Size = "size";
    public const string LineOrSyntax = "line_or_syntax";
    public const string RateOrErrorLimit = "rate_or_error_limit";
    public const string TlsOrAuthRequired = "tls_or_auth_required";
    public const string AuthFailed = "auth_failed";
    public const string SenderRefused = "sender_refused";
    public const string Temporary = "temporary";
    public const string Other = "other";

    /// <summary>Every label, for the dashboard test and the README's metrics table.</summary>
    public static IReadOnlyList<string> All { get; } =
        [UnknownUser, RelayDenied, LocationBlocked, Dmarc, Size, LineOrSyntax, RateOrErrorLimit, TlsOrAuthRequired, AuthFailed, SenderRefused, Temporary, Other];

    public static string Of(SmtpRejection rejection)
    {
        var reply = rejection.Reply;
        var enhanced = reply.EnhancedCode ?? "";
        var text = reply.ToSingleLine();
        var reason = rejection.Reason ?? "";
        if (reason.StartsWith("IP location blocking", StringComparison.Ordinal))
        {
            return LocationBlocked;
        }

        if (text.Contains("DMARC", StringComparison.Ordinal))
        {
            return Dmarc;
        }

        return enhanced switch
        {
            "5.1.1" or "4.1.1" => UnknownUser,
            "5.3.4" or "5.2.2" or "4.3.1" or "4.5.3" => Size,
            "5.7.0" or "5.7.11" or "5.7.10" => TlsOrAuthRequired,
            "5.7.8" => AuthFailed,
            "4.7.0" when reply.Code is 421 or 454 => RateOrErrorLimit,
            "4.4.2" => RateOrErrorLimit,
            _ when text.Contains("Relay access denied", StringComparison.Ordinal) => RelayDenied,
            _ when enhanced.StartsWith("5.5.", StringComparison.Ordinal) || enhanced.StartsWith("5.6.", StringComparison.Ordinal)
                || enhanced is "5.1.3" or "5.1.7" or "5.0.0" || reply.Code == 500 => LineOrSyntax,
            _ when rejection.Command.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase) && reply.Code >= 500 => SenderRefused,
            _ when reply.Code < 500 => Temporary,
            _ => Other,
        };
    }
}
