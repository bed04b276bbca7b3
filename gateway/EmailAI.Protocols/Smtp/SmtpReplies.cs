namespace EmailAI.Protocols.Smtp;

/// <summary>
/// The one catalogue of canned SMTP replies. Texts are deliberately generic: they say what class of
/// problem occurred and never reveal whether an account exists beyond what RCPT must say.
/// Enhanced codes follow RFC 3463; reply codes RFC 5321 §4.2.
/// </summary>
public static class SmtpReplies
{
    public static SmtpReply Greeting(string serverDomain) =>
        new(220, null, $"{serverDomain} ESMTP EmailAI ready");

    public static SmtpReply Helo(string serverDomain, string clientIp) =>
        new(250, null, $"{serverDomain} Hello [{clientIp}]");

    public static SmtpReply Ehlo(string serverDomain, string clientIp, IEnumerable<string> keywords) =>
        new(250, null, [$"{serverDomain} Hello [{clientIp}]", .. keywords]);

    public static SmtpReply Closing(string serverDomain) =>
        new(221, "2.0.0", $"{serverDomain} closing connection");

    public static readonly SmtpReply Ok = new(250, "2.0.0", "OK");
    public static readonly SmtpReply SenderOk = new(250, "2.1.0", "Sender OK");
    public static readonly SmtpReply RecipientOk = new(250, "2.1.5", "Recipient OK");
    public static readonly SmtpReply ResetOk = new(250, "2.0.0", "Reset OK");
    public static readonly SmtpReply StartMailInput = new(354, null, "Start mail input; end with <CRLF>.<CRLF>");

    public static SmtpReply MessageAccepted(string queueId) =>
        new(250, "2.0.0", $"OK queued as {queueId}");

    // RFC 5321 §3.5.3: VRFY may answer 252 without verifying; we never confirm accounts.
    public static readonly SmtpReply CannotVerify =
        new(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");

    public static readonly SmtpReply Help =
        new(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP. See RFC 5321");

    // Syntax and sequence errors (RFC 5321 §4.2.2, RFC 3463 §3.6).
    public static readonly SmtpReply CommandUnrecognized = new(500, "5.5.2", "Command not recognized");
    public static readonly SmtpReply LineTooLong = new(500, "5.5.2", "Line too long");
    public static readonly SmtpReply CommandNotImplemented = new(502, "5.5.1", "Command not implemented");
    public static readonly SmtpReply BadSequence = new(503, "5.5.1", "Bad sequence of commands");
    public static readonly SmtpReply SendHeloFirst = new(503, "5.5.1", "Send HELO/EHLO first");
    public static readonly SmtpReply NestedMail = new(503, "5.5.1", "Sender already specified");
    public static readonly SmtpReply NeedMail = new(503, "5.5.1", "Need MAIL command");
    public static readonly SmtpReply NeedRecipient = new(503, "5.5.1", "Need RCPT command");
    public static readonly SmtpReply NoValidRecipients = new(554, "5.5.1", "No valid recipients");
    public static readonly SmtpReply HeloSyntax = new(501, "5.5.4", "Syntax: EHLO hostname");
    public static readonly SmtpReply MailSyntax = new(501, "5.5.4", "Syntax: MAIL FROM:<address>");
    public static readonly SmtpReply RcptSyntax = new(501, "5.5.4", "Syntax: RCPT TO:<address>");
    public static readonly SmtpReply NoArguments = new(501, "5.5.4", "No parameters allowed");
    public static readonly SmtpReply BadSenderAddress = new(501, "5.1.7", "Bad sender address syntax");
    public static readonly SmtpReply BadRecipientAddress = new(501, "5.1.3", "Bad recipient address syntax");
    public static readonly SmtpReply UnknownParameter = new(555, "5.5.4", "Parameter not recognized or not implemented");
    public static readonly SmtpReply BadParameterValue = new(501, "5.5.4", "Invalid parameter value");

    // RFC 6531 §3.7.4.1: a non-ASCII address without SMTPUTF8 on MAIL.
    public static readonly SmtpReply Utf8NotAnnounced = new(553, "5.6.7", "Non-ASCII address requires SMTPUTF8");

    // Limits.
    public static readonly SmtpReply MessageTooBig = new(552, "5.3.4", "Message size exceeds fixed limit");

    /// <summary>A header field or the whole header over its limit (SmtpOptions.MaxHeaderFieldSize, MaxHeaderSize).</summary>
    public static readonly SmtpReply HeaderTooBig = new(552, "5.3.4", "Message header exceeds fixed limit");

    // RFC 3463 §3.3 X.2.2 mailbox full; RFC 5321 §4.5.3.1.10 allows 552 at RCPT for it.
    public static readonly SmtpReply MailboxFull = new(552, "5.2.2", "Mailbox full");
    public static readonly SmtpReply TooManyRecipients = new(452, "4.5.3", "Too many recipients");
    public static readonly SmtpReply DataLineTooLong =
        new(554, "5.6.0", "Message contains a line longer than 998 octets (RFC 5322 §2.1.1)");
    public static readonly SmtpReply TooManyHops =
        new(554, "5.4.6", "Too many hops: the message has passed through too many servers, probably a mail loop");
    public static readonly SmtpReply BareLineEnding =
        new(554, "5.6.0", "Message contains a bare CR or LF; lines must end in CRLF (RFC 5321 §2.3.8)");
    public static readonly SmtpReply Timeout = new(421, "4.4.2", "Timeout exceeded, closing connection");
    public static readonly SmtpReply DataTimeLimit = new(421, "4.4.2", "Data time limit exceeded, closing connection");
    public static readonly SmtpReply SessionTimeLimit = new(421, "4.4.2", "Session time limit exceeded, closing connection");
    public static readonly SmtpReply TooManyErrors = new(421, "4.7.0", "Too many errors, closing connection");
    public static readonly SmtpReply TooManyConnections = new(421, "4.7.0", "Too many connections, try again later");

    /// <summary>One client over its own connection count or rate (the server as a whole still has room).</summary>
    public static readonly SmtpReply TooManyConnectionsFromClient = new(421, "4.7.0", "Too many connections from your address, try again later");

    public static readonly SmtpReply CrossProtocol = new(221, "2.7.0", "This is an SMTP server, closing connection");

    // STARTTLS (RFC 3207 §4).
    public static readonly SmtpReply ReadyToStartTls = new(220, "2.0.0", "Ready to start TLS");
    public static readonly SmtpReply StartTlsSyntax = new(501, "5.5.4", "Syntax: STARTTLS");
    public static readonly SmtpReply TlsAlreadyActive = new(503, "5.5.1", "TLS already active");

    // Recipient verdicts.
    public static readonly SmtpReply UnknownUser = new(550, "5.1.1", "Recipient address rejected: user unknown");
    public static readonly SmtpReply RelayDenied = new(554, "5.7.1", "Relay access denied");
    public static readonly SmtpReply AddressLiteralRelayDenied = new(554, "5.7.1", "Relay access denied: address literals are not relayed");

    // Recipients of a forwarding domain (Advanced Delivery), checked before the mail is accepted so that the
    // internal server's refusals never become bounces to forged senders (backscatter).
    // RFC 3463 §3.2 X.1.3: bad destination mailbox address syntax. %, ! and quoted @ are routing, not a mailbox.
    public static readonly SmtpReply RoutingSyntaxRefused = new(550, "5.1.3", "Recipient address rejected: routing syntax is not accepted");

    // The internal server refused the recipient: 5.1.1, or its own X.1.y detail (RFC 3463 §3.2) made permanent.
    public static SmtpReply InternalServerRefused(string? enhancedCode) =>
        new(550, enhancedCode is ['5', '.', '1', '.', _, ..] ? enhancedCode : "5.1.1", "Recipient address rejected: user unknown in internal server");

    // RFC 3463 §3.5 X.4.3 (directory or routing server failure): the internal server, which is the directory of this
    // domain's recipients, could not be asked or answered 4xx; one code for all three, so a client sees one reply.
    public static readonly SmtpReply RecipientUnverified = new(451, "4.4.3", "Recipient address verification failed, please try again later");

    // Sender authentication at the end of DATA (RFC 7489 §6.7: a receiver may reject a message that fails DMARC under
    // p=reject; 5.7.1, as the issue and Gmail's older wording use). The From domain is named so the sender's bounce
    // tells its user whose policy refused it; it is made printable US-ASCII here (RFC 5321 §4.2 reply text).
    public static SmtpReply DmarcRejected(string fromDomain) =>
        new(550, "5.7.1", $"Message rejected: the DMARC policy of {Printable(fromDomain, 100)} is reject and the From domain is not authenticated");

    // A temporary DNS failure on the way to what could be a DMARC reject: try later rather than 250-then-drop.
    public static readonly SmtpReply AuthenticationTemporaryFailure =
        new(451, "4.7.5", "Temporary DNS failure while checking the sender's DMARC policy, please try again later");

    // SMTP AUTH (RFC 4954 §4 and §6) and submission (RFC 6409 §4).
    public static SmtpReply AuthChallenge(string base64) => new(334, null, base64);

    public static readonly SmtpReply AuthSucceeded = new(235, "2.7.0", "Authentication successful");
    public static readonly SmtpReply AuthInvalid = new(535, "5.7.8", "Authentication credentials invalid");
    public static readonly SmtpReply AuthRequired = new(530, "5.7.0", "Authentication required");
    public static readonly SmtpReply EncryptionRequired =
        new(538, "5.7.11", "Encryption required for requested authentication mechanism");
    public static readonly SmtpReply AuthSyntax = new(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
    public static readonly SmtpReply UnknownMechanism = new(504, "5.5.4", "Unrecognized authentication type");
    public static readonly SmtpReply SendEhloFirst = new(503, "5.5.1", "Send EHLO first");
    public static readonly SmtpReply AlreadyAuthenticated = new(503, "5.5.1", "Already authenticated");
    public static readonly SmtpReply AuthInTransaction = new(503, "5.5.1", "AUTH not permitted during a mail transaction");
    public static readonly SmtpReply AuthBadBase64 = new(501, "5.5.2", "Invalid base64 data in response");
    public static readonly SmtpReply AuthMalformed = new(501, "5.5.2", "Malformed authentication response");
    public static readonly SmtpReply AuthCancelled = new(501, "5.0.0", "Authentication cancelled");
    public static readonly SmtpReply AuthLineTooLong = new(500, "5.5.6", "Authentication exchange line is too long");

    // 454 4.7.0 both (RFC 4954 §6), worded apart: the client's repeated failures count toward MaxErrors, our own
    // trouble does not (replies are told apart by their text).
    public static readonly SmtpReply AuthThrottled =
        new(454, "4.7.0", "Temporary authentication failure, too many failed attempts, try again later");
    public static readonly SmtpReply AuthTemporaryFailure = new(454, "4.7.0", "Temporary authentication failure");

    // Temporary trouble on our side (RFC 3463 §3.4: 4.3.0 other or undefined mail system status).
    public static readonly SmtpReply TemporaryFailure =
        new(451, "4.3.0", "Temporary local problem, please try again later");
    // RFC 3463 §3.4 4.3.1 "Mail system full", worded as Postfix words it; RFC 5321 §4.2.2's 452. The store is out of
    // space (or under EmailAI:Storage:MinimumFreeBytes at MAIL): nothing was stored, the client retries later.
    public static readonly SmtpReply InsufficientStorage = new(452, "4.3.1", "Insufficient system storage");
    public static readonly SmtpReply ShuttingDown =
        new(421, "4.3.2", "Server shutting down, please try again later");
    public static readonly SmtpReply ServiceUnavailable =
        new(421, "4.3.0", "Service not available, closing connection");

    /// <summary>Text from a message or DNS made safe for a reply line: printable US-ASCII, at most <paramref name="max"/> characters.</summary>
    private static string Printable(string text, int max)
    {
        var chars = text.Select(c => c is >= ' ' and <= '~' ? c : '?').Take(max).ToArray();
        return chars.Length == 0 ? "?" : new string(chars);
    }
}
