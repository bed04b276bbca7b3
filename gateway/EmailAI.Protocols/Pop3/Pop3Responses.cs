namespace EmailAI.Protocols.Pop3;

/// <summary>
/// The one catalogue of POP3 status lines (without CRLF). Response codes in brackets are RFC 2449 §8 /
/// RFC 3206. Login failures never say whether the user exists.
/// </summary>
public static class Pop3Responses
{
    public static string Greeting(string serverDomain, string? apopTimestamp) =>
        apopTimestamp is null ? $"+OK {serverDomain} POP3 EmailAI ready" : $"+OK {serverDomain} POP3 EmailAI ready {apopTimestamp}";

    public const string Ok = "+OK";
    public const string UserAccepted = "+OK send PASS";
    public const string LoggedIn = "+OK maildrop locked and ready";
    public const string CapabilityList = "+OK Capability list follows";
    public const string SaslMechanisms = "+OK SASL mechanisms follow";
    public const string SaslContinue = "+ ";
    public const string Reset = "+OK maildrop reset";
    public const string Bye = "+OK bye";
    public const string BeginTls = "+OK Begin TLS negotiation";

    public static string SignedOff(string serverDomain, int deleted) => $"+OK {serverDomain} signing off ({deleted} messages deleted)";

    public static string Stat(int count, long octets) => $"+OK {count} {octets}";

    public static string ListSummary(int count, long octets) => $"+OK {count} messages ({octets} octets)";

    public static string Deleted(int number) => $"+OK message {number} deleted";

    public static string Octets(long size) => $"+OK {size} octets";

    public const string AuthFailed = "-ERR [AUTH] Authentication failed";
    public const string AuthThrottled = "-ERR [AUTH] Too many failed logins, try again later";
    public const string InsecureAuth = "-ERR [AUTH] Plaintext authentication is not allowed on this connection";
    public const string InUse = "-ERR [IN-USE] Maildrop is locked by another session";
    public const string TemporaryFailure = "-ERR [SYS/TEMP] Temporary problem, try again later";
    public const string CommitFailed = "-ERR [SYS/TEMP] Deletions could not be committed; no message was removed";
    public const string SaslCancelled = "-ERR SASL authentication cancelled";
    public const string SaslMalformed = "-ERR [AUTH] Malformed SASL response";
    public const string UnsupportedMechanism = "-ERR Unsupported SASL mechanism";
    public const string NeedUser = "-ERR USER first";
    public const string NotInThisState = "-ERR Command not valid in this state";
    public const string UnknownCommand = "-ERR Unknown command";
    public const string Syntax = "-ERR Syntax error";
    public const string NoSuchMessage = "-ERR No such message";
    public const string AlreadyDeleted = "-ERR Message already deleted";
    public const string MessageGone = "-ERR Message no longer exists";
    public const string LineTooLong = "-ERR Line too long";
    public const string TooManyErrors = "-ERR Too many errors, closing connection";
    public const string Autologout = "-ERR Disconnected for inactivity";
    public const string TooManyConnections = "-ERR [SYS/TEMP] Too many connections, try again later";
    public const string TooManyConnectionsFromClient = "-ERR [SYS/TEMP] Too many connections from your address, try again later";
    public const string TooManyJunkCommands = "-ERR [SYS/TEMP] Too many commands without progress, closing connection";
    public const string SessionTooLong = "-ERR [SYS/TEMP] Session time limit reached, closing connection";
    public const string TlsNotAvailable = "-ERR TLS not available";
    public const string TlsAlreadyActive = "-ERR Command not permitted when TLS active";
    public const string ShuttingDown = "-ERR [SYS/TEMP] Server shutting down";
}
