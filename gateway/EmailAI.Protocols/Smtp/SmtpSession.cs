using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EmailAI.Protocols.Auth;
using EmailAI.Protocols.Common;

namespace EmailAI.Protocols.Smtp;

/// <summary>
/// One server-side SMTP session as a state machine with no I/O: the host feeds it whatever bytes arrived
/// and writes out the replies it returns. Commands are framed by <see cref="SmtpOptions.MaxCommandLineLength"/>,
/// message text by <see cref="SmtpDataFramer"/>, and each command's legality is
/// checked against the session state before it runs. Replies to pipelined commands (RFC 2920) are
/// returned in order in batches of at most about <see cref="SmtpOptions.MaxPendingReplyBytes"/>, so the host
/// flushes once per batch and commands are only processed as fast as their replies drain.
/// Not thread-safe: one session is driven by one connection's loop.
/// </summary>
public sealed class SmtpSession
{
    private const int InitialMessageBuffer = 64 * 1024;
    private const int MaxRetainedMessageBuffer = 1024 * 1024;

    private readonly SmtpOptions _options;
    private readonly IRecipientPolicy _policy;
    private readonly IMessageSink _sink;
    private readonly TimeProvider _time;
    private readonly string _sessionId;
    private readonly System.Net.IPAddress _remoteAddress;
    private ArrayBufferWriter<byte> _message = new(InitialMessageBuffer);
    private readonly List<SmtpRecipient> _recipients = [];
    private readonly CommandLineFramer _framer;

    private SmtpState _state = SmtpState.Connected;
    private bool _inData;
    private bool _closed;
    private string? _heloName;
    private bool _extended;
    private int _errors;
    private int _excessRecipients;

    // Slot holding (issue 12): MaxSessionDuration, MaxJunkCommands and the error tarpit.
    private readonly DateTimeOffset _sessionEndsAt;
    private int _junkCommands;
    private int _errorsSinceDelivery;
    private int _hellos;
    private bool _junkError;
    private TimeSpan _replyDelay;

    // The DATA phase: MaxDataDuration's end and MinDataRate's per-read budget (Postfix's per-record deadline).
    private DateTimeOffset _dataEndsAt;
    private DateTimeOffset _dataLastRead;
    private TimeSpan _dataBudget;

    // Current transaction (RFC 5321 §3.3).
    private SmtpPath? _sender;
    private bool _utf8;
    private long? _declaredSize;
    private string _queueId = "";

    /// <summary>The trace of the transaction in progress (MAIL to its end), or null when none is or nobody listens.</summary>
    private Activity? _transaction;
    private DateTimeOffset _receivedAt;

    private readonly SmtpDataFramer _dataFramer;
    private readonly SmtpSessionContext _context;

    // TLS (STARTTLS, RFC 3207, or an implicit-TLS listener): null until a handshake completed.
    private TlsSessionInfo? _tls;
    private readonly ISmtpSessionEvents? _events;

    // SMTP AUTH (RFC 4954): the account once authenticated, and the exchange in progress (while it is open, the
    // next line is a SASL response, never a command).
    private string? _authenticated;
    private SmtpAuthExchange? _sasl;

    // A refusal of the whole session (IP location blocking, RecipientVerdict.RefusesSession): every later MAIL and
    // RCPT gets it, until the client authenticates (an authenticated session is never location-blocked).
    private RecipientVerdict? _sessionRefusal;

    // For the log (ISmtpSessionEvents): the command being answered and what it named, and the session's counts.
    private string _command = "CONNECT";
    private string? _logSender;
    private string? _logRecipient;
    private string? _logQueueId;
    private string? _logReason;
    private int _commands;
    private int _acceptedRecipients;
    private int _messages;

    public SmtpSession(
        SmtpOptions options,
        string sessionId,
        System.Net.IPAddress remoteAddress,
        IRecipientPolicy policy,
        IMessageSink sink,
        TimeProvider time,
        ISmtpSessionEvents? events = null)
        : this(options, SmtpSessionContext.Plain, sessionId, remoteAddress, policy, sink, time, events)
    {
    }

    public SmtpSession(
        SmtpOptions options,
        SmtpSessionContext context,
        string sessionId,
        System.Net.IPAddress remoteAddress,
        IRecipientPolicy policy,
        IMessageSink sink,
        TimeProvider time,
        ISmtpSessionEvents? events = null)
    {
        _context = context;
        _tls = context.ImplicitTls;
        _events = events;
        _options = options;
        _sessionId = sessionId;
        _remoteAddress = remoteAddress;
        _policy = policy;
        _sink = sink;
        _time = time;
        _sessionEndsAt = time.GetUtcNow() + options.MaxSessionDuration;
        Deadline = CommandDeadline();
        _framer = new CommandLineFramer(options.MaxCommandLineLength);
        _dataFramer = new SmtpDataFramer(options);
    }

    /// <summary>True once the session has said its last reply (QUIT, 421); the host closes the connection.</summary>
    public bool IsClosed => _closed;

    /// <summary>True while message text is being received (after 354, before the final dot).</summary>
    public bool InData => _inData;

    public SmtpState State => _state;

    /// <summary>True once the connection is under TLS (after STARTTLS, or from the start on port 465).</summary>
    public bool IsTls => _tls is not null;

    /// <summary>The listener and services this session was set up with.</summary>
    public SmtpSessionContext Context => _context;

    /// <summary>
    /// True after the 220 reply to STARTTLS: <see cref="ProcessAsync"/> consumed nothing past the STARTTLS line and
    /// takes no more input until <see cref="TlsStarted"/>. The host writes the replies, discards whatever else the
    /// client sent before the handshake (never executed: CVE-2011-0411), runs the handshake and calls
    /// <see cref="TlsStarted"/>, or closes the connection if the handshake fails.
    /// </summary>
    public bool TlsRequested { get; private set; }

    /// <summary>
    /// The handshake after STARTTLS completed: the session is back in the state after the greeting (RFC 3207
    /// §4.2: HELO name, transaction and extensions forgotten), and a new EHLO is required.
    /// </summary>
    /// <exception cref="InvalidOperationException">No STARTTLS was answered 220 (the host has nothing to start).</exception>
    public void TlsStarted(TlsSessionInfo tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        if (!TlsRequested)
        {
            throw new InvalidOperationException("TlsStarted without a STARTTLS answered 220.");
        }

        TlsRequested = false;
        _tls = tls;
        ResetTransaction();
        _heloName = null;
        _extended = false;

        // Nothing learnt in clear survives the handshake (RFC 3207 §4.2), an AUTH given in clear with
        // AllowInsecureAuth included: the client authenticates again under TLS.
        _authenticated = null;
        _sasl = null;
        _state = SmtpState.Connected;
        _hellos = 0;
        Deadline = CommandDeadline();
    }

    /// <summary>
    /// When the session gives up waiting: <see cref="SmtpOptions.CommandTimeout"/> after the last reply in
    /// command mode (trickled bytes do not extend it), never past <see cref="SmtpOptions.MaxSessionDuration"/>; in DATA
    /// the last read plus what is left of its budget (<see cref="SmtpOptions.MinDataRate"/>; a plain
    /// <see cref="SmtpOptions.DataIdleTimeout"/> after the last bytes when the rate is off), never past
    /// <see cref="SmtpOptions.MaxDataDuration"/> after 354.
    /// </summary>
    public DateTimeOffset Deadline { get; private set; }

    public SmtpSessionInfo Info => new(_sessionId, _remoteAddress, _heloName)
    {
        Tls = _tls is not null,
        AuthenticatedIdentity = _authenticated,
        Location = _context.Location,
        DeclaredSize = _declaredSize,
    };

    /// <summary>
    /// Makes the SCRAM-SHA-256 mechanism of this session's AUTH exchanges. A seam for tests only: the RFC 7677 §3
    /// vector needs a fixed server nonce (<see cref="SaslScramSha256"/>'s constructor); by default it is random.
    /// </summary>
    internal Func<ICredentialVerifier, LoginRequest, ISaslMechanism> ScramFactory { get; set; } =
        (verifier, request) => new SaslScramSha256(verifier, request);

    /// <summary>True when EHLO lists AUTH: a verifier is set up and the connection is under TLS, or insecure AUTH is allowed.</summary>
    public bool AuthOffered => _context.Credentials is not null && (_tls is not null || _options.AllowInsecureAuth);

    /// <summary>What the session did so far, for the disconnect log line.</summary>
    public SmtpSessionCounts Counts => new(_commands, _acceptedRecipients, _messages, _errors);

    /// <summary>The limit that ended the session (for the metric), or null: it is open, or it ended otherwise (QUIT, the client).</summary>
    public SmtpSessionLimit? EndedBy { get; private set; }

    /// <summary>
    /// The error tarpit's delay for the batch of replies just returned by <see cref="ProcessAsync"/> (zero for none),
    /// once: the host waits it, on this session's clock, before writing the batch. A batch ends after a delayed reply,
    /// so each delayed error is written on its own. <see cref="Deadline"/> is moved on by the delay, so the client's
    /// time to answer starts when it sees the reply.
    /// </summary>
    public TimeSpan TakeReplyDelay()
    {
        var delay = _replyDelay;
        _replyDelay = TimeSpan.Zero;
        if (delay > TimeSpan.Zero && !_closed && !_inData)
        {
            Deadline = Earliest(Deadline + delay, _sessionEndsAt);
        }

        return delay;
    }

    /// <summary>The 220 greeting (RFC 5321 §4.3.1).</summary>
    public SmtpReply Start() => SmtpReplies.Greeting(_options.ServerDomain);

    /// <summary>
    /// Call when the host's wait for input reached <see cref="Deadline"/>. Returns 421 4.4.2 and closes the
    /// session, dropping any partial message; null if the deadline has in fact not passed.
    /// </summary>
    public SmtpReply? CheckTimeout()
    {
        var now = _time.GetUtcNow();
        if (_closed || now < Deadline)
        {
            return null;
        }

        return Expire(now);
    }

    /// <summary>
    /// Closes the session on the limit that <paramref name="now"/> has passed (the caller checked one has): in DATA
    /// <see cref="SmtpOptions.MaxDataDuration"/> or the data budget, else <see cref="SmtpOptions.MaxSessionDuration"/>
    /// or the command timeout. Reports it and drops any partial message; the reply is the caller's to send.
    /// </summary>
    private SmtpReply Expire(DateTimeOffset now)
    {
        _closed = true;
        BeginCommand(_inData ? "timeout after DATA" : "timeout", count: false);
        _logSender = _sender?.ToString();
        var reply = SmtpReplies.Timeout;
        if (_inData && now >= _dataEndsAt)
        {
            EndedBy = SmtpSessionLimit.MaxDataDuration;
            reply = SmtpReplies.DataTimeLimit;
            _logReason = $"DATA longer than {_options.MaxDataDuration} (MaxDataDuration)";
        }
        else if (_inData && _dataBudget < _options.DataIdleTimeout)
        {
            // The last read left less than a full budget: the client sent slower than the rate, not nothing.
            EndedBy = SmtpSessionLimit.MinDataRate;
            _logReason = $"message text slower than {_options.MinDataRate} octets/s (MinDataRate) after {_dataFramer.Size} octets";
        }
        else if (_inData)
        {
            EndedBy = SmtpSessionLimit.DataIdleTimeout;
            _logReason = $"no data for {_options.DataIdleTimeout}";
        }
        else if (now >= _sessionEndsAt)
        {
            EndedBy = SmtpSessionLimit.MaxSessionDuration;
            reply = SmtpReplies.SessionTimeLimit;
            _command = "session time limit";
            _logReason = $"session longer than {_options.MaxSessionDuration} (MaxSessionDuration)";
        }
        else
        {
            EndedBy = SmtpSessionLimit.CommandTimeout;
            _logReason = $"no complete command within {_options.CommandTimeout}";
        }

        Report(reply);
        ResetTransaction();
        return reply;
    }

    private DateTimeOffset CommandDeadline() => Earliest(_time.GetUtcNow() + _options.CommandTimeout, _sessionEndsAt);

    private DateTimeOffset DataDeadline() => Earliest(_dataLastRead + _dataBudget, _dataEndsAt);

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>
    /// A read of <paramref name="octets"/> of message text at <paramref name="now"/> (Postfix's per-record deadline,
    /// smtpd_min_data_rate): the wait since the last read is spent from the budget, octets ÷ MinDataRate seconds are
    /// earned back, and the budget never exceeds <see cref="SmtpOptions.DataIdleTimeout"/>.
    /// </summary>
    private void SpendDataBudget(DateTimeOffset now, long octets)
    {
        var idle = _options.DataIdleTimeout;
        _dataBudget = _options.MinDataRate <= 0
            ? idle
            : TimeSpan.FromTicks(Math.Min(idle.Ticks, (_dataBudget - (now - _dataLastRead)).Ticks + (long)(octets * (double)TimeSpan.TicksPerSecond / _options.MinDataRate)));
        _dataLastRead = now;
        Deadline = DataDeadline();
    }

    /// <summary>
    /// Consumes complete commands and message lines from <paramref name="input"/>, appending the replies to
    /// <paramref name="replies"/>. Returns how far the input was consumed. Stops early once the session closes,
    /// and before the next command once the replies of this call reach <see cref="SmtpOptions.MaxPendingReplyBytes"/>:
    /// the host writes them, then offers the unconsumed rest again (with no new input needed) until a call
    /// returns no reply, which means the rest is a partial line that needs more data.
    /// </summary>
    public async ValueTask<SequencePosition> ProcessAsync(ReadOnlySequence<byte> input, List<SmtpReply> replies, CancellationToken cancellationToken)
    {
        var position = input.Start;
        var replied = replies.Count;
        var replyBytes = 0;
        // After 220 to STARTTLS nothing more is read in clear: what follows belongs to the handshake.
        while (!_closed && !TlsRequested)
        {
            for (; replied < replies.Count; replied++)
            {
                replyBytes += replies[replied].WireLength;
            }

            // At least one command per call, whatever the bound is set to, so the host always makes progress. A reply
            // the tarpit delays ends its batch: the host waits, then writes it. (A delay the host never took does not
            // stop the next call: a call that returns no reply must mean "a partial line, need more data".)
            if (replyBytes > 0 && (replyBytes >= _options.MaxPendingReplyBytes || _replyDelay > TimeSpan.Zero))
            {
                break;
            }

            var rest = input.Slice(position);
            if (rest.IsEmpty)
            {
                break;
            }

            // Grain calls a command makes (RCPT's policy, the commit) belong to the transaction's trace. Setting it here
            // changes only this call's flow: the host's context is untouched.
            EndTransactionTraceIfOver(replies);
            Activity.Current = _transaction;
            if (_inData)
            {
                var now = _time.GetUtcNow();
                if (now >= Deadline)
                {
                    // These bytes came after the budget (or MaxDataDuration) ran out: the host's wait and their arrival raced.
                    replies.Add(Expire(now));
                    break;
                }

                var ended = _dataFramer.Frame(rest, _message, out position);
                SpendDataBudget(now, rest.Slice(0, position).Length);
                if (!ended)
                {
                    break;
                }

                AddReply(replies, await FinishMessageAsync(cancellationToken));
                continue;
            }

            _framer.MaxLineLength = LineLimit(rest);
            var kind = _framer.TryRead(input, ref position, out var text);
            if (kind == FramedLineKind.NeedMoreData)
            {
                return position;
            }

            if (_time.GetUtcNow() >= _sessionEndsAt)
            {
                // A command boundary past MaxSessionDuration: nothing more is executed.
                replies.Add(Expire(_time.GetUtcNow()));
                break;
            }

            if (_sasl is not null)
            {
                // RFC 4954 §4: while an exchange runs, every line (pipelined ones too) is a SASL response.
                AddReply(replies, await SaslResponseAsync(kind, text, cancellationToken));
                continue;
            }

            switch (kind)
            {
                case FramedLineKind.TooLong:
                    BeginCommand("(line too long)");
                    _logReason = $"command line longer than {_options.MaxCommandLineLength} octets";
                    AddReply(replies, SmtpReplies.LineTooLong);
                    continue;
                case FramedLineKind.Undecodable:
                    BeginCommand("(undecodable)");
                    _logReason = "command line is not UTF-8";
                    AddReply(replies, SmtpReplies.CommandUnrecognized);
                    continue;
            }

            BeginCommand(text);
            AddReply(replies, await ExecuteAsync(text, cancellationToken));
        }

        EndTransactionTraceIfOver(replies);
        return position;
    }

    /// <summary>
    /// Ends the trace of a transaction still open when the session ends (the client quit or went away, a timeout or a
    /// limit closed it). The host calls it once the session is over.
    /// </summary>
    public void EndTrace()
    {
        if (_transaction is not null)
        {
            _transaction.SetTag("smtp.abandoned", true);
            EndTransactionTrace(null);
        }
    }

    /// <summary>One trace per transaction: a root span from an accepted MAIL's syntax on, whatever came before in the session.</summary>
    private void StartTransactionTrace(SmtpPath sender)
    {
        EndTransactionTrace(null);
        Activity.Current = null;
        _transaction = SmtpTracing.Start("smtp.transaction");

        _transaction.SetTag("client.address", _remoteAddress.ToString());
        _transaction.SetTag("smtp.session_id", _sessionId);
        _transaction.SetTag("smtp.helo", _heloName);
        _transaction.SetTag("smtp.sender", sender.ToString());
        if (_authenticated is not null)
        {
            _transaction.SetTag("smtp.authenticated", true);
        }
    }

    /// <summary>The transaction is over once the session is out of it: a refused MAIL, the reply after the dot, RSET, HELO.</summary>
    private void EndTransactionTraceIfOver(List<SmtpReply> replies)
    {
        if (_transaction is not null && _state != SmtpState.InTransaction && !_inData)
        {
            EndTransactionTrace(replies.Count > 0 ? replies[^1] : null);
        }
    }

    private void EndTransactionTrace(SmtpReply? last)
    {
        if (_transaction is not { } activity)
        {
            return;
        }

        _transaction = null;
        if (last is { } reply)
        {
            activity.SetTag("smtp.reply_code", reply.Code);
            if (reply.Code >= 400)
            {
                activity.SetStatus(ActivityStatusCode.Error, reply.ToSingleLine());
            }
        }

        activity.Stop();
    }

    /// <summary>
    /// The framing limit for the next line: a SASL response's during an exchange, and for an AUTH command line
    /// (when AUTH exists here) room for its initial response on top of the command limit (RFC 4954 §4).
    /// </summary>
    private int LineLimit(ReadOnlySequence<byte> rest)
    {
        if (_sasl is not null)
        {
            return _options.MaxSaslResponseLength + 2;
        }

        if (_context.Credentials is not null && rest.Length >= 5)
        {
            Span<byte> verb = stackalloc byte[5];
            rest.Slice(0, 5).CopyTo(verb);
            if (Ascii.EqualsIgnoreCase(verb, "AUTH "u8))
            {
                return _options.MaxCommandLineLength + _options.MaxSaslResponseLength;
            }
        }

        return _options.MaxCommandLineLength;
    }

    /// <summary>Starts the log context of a command: the line as the client sent it, except AUTH's secrets.</summary>
    private void BeginCommand(string line, bool count = true)
    {
        if (count)
        {
            _commands++;
        }

        // Anything that looks like AUTH (a tab or spaces around it, no space after it) is logged as the bare verb:
        // an "AUTH\tPLAIN <base64>" answered 500 once put a user's password in the log.
        _command = line.TrimStart().StartsWith("AUTH", StringComparison.OrdinalIgnoreCase) ? "AUTH" : line;
        _junkError = false;
        _logSender = null;
        _logRecipient = null;
        _logQueueId = null;
        _logReason = null;
    }

    private void Report(SmtpReply reply) =>
        _events?.Rejected(new SmtpRejection(_remoteAddress, _command, reply)
        {
            Aggregated = !_closed && ClientErrors > _options.SoftErrorLimit,
            HeloName = _heloName,
            Protocol = _extended ? "ESMTP" : "SMTP",
            Sender = _logSender ?? _sender?.ToString(),
            Recipient = _logRecipient,
            QueueId = _logQueueId,
            Reason = _logReason,
        });

    /// <summary>
    /// Errors of this client that the tarpit counts: this session's since its last accepted message and its client
    /// group's in other recent sessions.
    /// </summary>
    private int ClientErrors => _errorsSinceDelivery + (_context.Standing?.PriorErrors ?? 0);

    /// <summary>
    /// A temporary reply about this server's own state, not the client's conduct, which never counts as the client's
    /// error (nor feeds the tarpit): mail system trouble (4.3.x: 451 4.3.0, 452 4.3.1 storage), network or routing
    /// trouble (4.4.x: an internal server that cannot be asked), and AUTH's temporary failure.
    /// </summary>
    private static bool IsOurTrouble(SmtpReply reply) =>
        reply.Equals(SmtpReplies.AuthTemporaryFailure) || reply.Equals(SmtpReplies.AuthenticationTemporaryFailure)
        || (reply.Code is >= 450 and < 460 && reply.EnhancedCode is { } code
            && (code.StartsWith("4.3.", StringComparison.Ordinal) || code.StartsWith("4.4.", StringComparison.Ordinal)));

    private void AddReply(List<SmtpReply> replies, SmtpReply reply)
    {
        replies.Add(reply);
        Deadline = _inData ? DataDeadline() : CommandDeadline();

        // The client's errors count toward the limit; our own temporary trouble does not, and neither does the
        // recipient limit until the client has gone MaxRecipientOvershoot past it in this session. A junk command past
        // MaxJunkCommands is one more error, whatever its reply (Postfix's smtpd_junk_command_limit).
        var overshoot = reply.Equals(SmtpReplies.TooManyRecipients) && ++_excessRecipients > _options.MaxRecipientOvershoot;
        var clientError = reply.Code >= 400 && reply.Code != 421
            && (!reply.Equals(SmtpReplies.TooManyRecipients) || overshoot)
            && !IsOurTrouble(reply);
        var errors = _closed ? 0 : (clientError ? 1 : 0) + (_junkError ? 1 : 0);
        for (var i = 0; i < errors; i++)
        {
            _errors++;
            _errorsSinceDelivery++;
            _context.Standing?.RecordError();
        }

        var closes = errors > 0 && _errors >= _options.MaxErrors;
        if (closes)
        {
            _closed = true;
            EndedBy = _junkError ? SmtpSessionLimit.MaxJunkCommands : SmtpSessionLimit.MaxErrors;
        }

        if (reply.Code >= 400 || reply.Equals(SmtpReplies.CrossProtocol))
        {
            Report(reply);
        }

        if (closes)
        {
            replies.Add(SmtpReplies.TooManyErrors);
            _logReason = _junkError
                ? $"{_errors} errors in this session (MaxErrors), the last {_junkCommands - _options.MaxJunkCommands} of them commands past MaxJunkCommands ({_options.MaxJunkCommands})"
                : $"{_errors} errors in this session (MaxErrors)";
            Report(SmtpReplies.TooManyErrors);
        }

        if (errors > 0 && ClientErrors > _options.SoftErrorLimit)
        {
            // Postfix's smtpd_error_sleep_time, growing with each error past the soft limit and capped. The error that
            // closes the session waits too (as Postfix sleeps before its hard-limit disconnect): otherwise a client
            // whose errors are spent could reconnect and be refused thousands of times a second.
            var excess = ClientErrors - _options.SoftErrorLimit;
            var delay = TimeSpan.FromTicks((long)Math.Min((double)_options.ErrorSleepTime.Ticks * excess, _options.MaxErrorSleepTime.Ticks));
            _replyDelay = delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
        }

        _junkError = false;
    }

    /// <summary>A command that makes no progress (NOOP, RSET, …): past <see cref="SmtpOptions.MaxJunkCommands"/> it is also an error.</summary>
    private void Junk()
    {
        if (++_junkCommands > _options.MaxJunkCommands)
        {
            _junkError = true;
        }
    }

    private async ValueTask<SmtpReply> ExecuteAsync(string line, CancellationToken cancellationToken)
    {
        var space = line.IndexOf(' ');
        var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var args = space < 0 ? "" : line[(space + 1)..];
        switch (verb)
        {
            case "EHLO" or "HELO":
                // The first of each TLS phase is progress; every later one (RFC 5321 §4.1.4 allows them) is junk.
                if (++_hellos > 1)
                {
                    Junk();
                }

                return Hello(args, extended: verb == "EHLO");
            case "MAIL":
                return await MailAsync(args, cancellationToken);
            case "AUTH":
                return await AuthAsync(args, cancellationToken);
            case "RCPT":
                return await RcptAsync(args, cancellationToken);
            case "DATA":
                return Data(args);
            case "RSET":
                Junk();
                if (args.Length > 0)
                {
                    return SmtpReplies.NoArguments;
                }

                ResetTransaction();
                return SmtpReplies.ResetOk;
            case "NOOP":
                Junk();
                return SmtpReplies.Ok;
            case "QUIT":
                _closed = true;
                ResetTransaction();
                return SmtpReplies.Closing(_options.ServerDomain);
            case "VRFY":
                Junk();
                return args.Length == 0 ? SmtpReplies.NoArguments with { Lines = ["Syntax: VRFY address"] } : SmtpReplies.CannotVerify;
            case "HELP":
                Junk();
                return SmtpReplies.Help;
            case "GET" or "POST" or "HEAD" or "PUT" or "CONNECT":
                // Cross-protocol requests (a browser or proxy aimed at the SMTP port): hang up at once.
                _closed = true;
                return SmtpReplies.CrossProtocol;
            case "STARTTLS":
                return StartTls(args);
            case "EXPN" or "ETRN":
                Junk();
                return SmtpReplies.CommandNotImplemented;
            case "TURN" or "ATRN" or "BDAT" or "SEND" or "SOML" or "SAML":
                return SmtpReplies.CommandNotImplemented;
            default:
                return SmtpReplies.CommandUnrecognized;
        }
    }

    private SmtpReply Hello(string args, bool extended)
    {
        var name = args.Trim();
        if (name.Length == 0 || name.Any(c => c is <= ' ' or > '~'))
        {
            return SmtpReplies.HeloSyntax;
        }

        // RFC 5321 §4.1.4: EHLO/HELO resets any transaction in progress.
        ResetTransaction();
        _heloName = name;
        _extended = extended;
        _state = SmtpState.Greeted;
        var ip = _remoteAddress.ToString();
        if (!extended)
        {
            return SmtpReplies.Helo(_options.ServerDomain, ip);
        }

        List<string> keywords =
        [
            "PIPELINING",                                              // RFC 2920
            $"SIZE {_options.MaxMessageSize.ToString(CultureInfo.InvariantCulture)}", // RFC 1870
            "8BITMIME",                                                // RFC 6152
            "ENHANCEDSTATUSCODES",                                     // RFC 2034
        ];
        if (_context.TlsAvailable && _tls is null)
        {
            keywords.Add("STARTTLS");                                  // RFC 3207
        }

        if (_options.EnableSmtpUtf8)
        {
            keywords.Add("SMTPUTF8");                                  // RFC 6531
        }

        if (AuthOffered)
        {
            // RFC 4954 §3. PLAIN first for clients that take the first mechanism they know: it works for every
            // account, SCRAM only for passwords set since SCRAM keys are kept; MailKit and Thunderbird pick SCRAM.
            keywords.Add("AUTH " + SmtpAuthExchange.Mechanisms);
        }

        return SmtpReplies.Ehlo(_options.ServerDomain, ip, keywords);
    }

    /// <summary>
    /// RFC 3207 §4: 220 and then nothing more in clear (<see cref="TlsRequested"/>); not offered (502), with
    /// parameters (501) or under TLS already (503, as Postfix answers) it is refused and the session goes on.
    /// </summary>
    private SmtpReply StartTls(string args)
    {
        if (!_context.TlsAvailable && _tls is null)
        {
            return SmtpReplies.CommandNotImplemented;
        }

        if (args.Length > 0)
        {
            return SmtpReplies.StartTlsSyntax;
        }

        if (_tls is not null)
        {
            return SmtpReplies.TlsAlreadyActive;
        }

        TlsRequested = true;
        return SmtpReplies.ReadyToStartTls;
    }

    private async ValueTask<SmtpReply> MailAsync(string args, CancellationToken cancellationToken)
    {
        if (_state == SmtpState.Connected)
        {
            return SmtpReplies.SendHeloFirst;
        }

        if (_context.RequiresAuth && _authenticated is null)
        {
            // RFC 6409 §4.3 (and RFC 4954 §6): a submission port takes mail only from authenticated clients.
            return SmtpReplies.AuthRequired;
        }

        if (_state == SmtpState.InTransaction)
        {
            return SmtpReplies.NestedMail;
        }

        if (_sessionRefusal is not null)
        {
            return RepeatSessionRefusal();
        }

        if (_context.Storage is { IsLow: true })
        {
            // RFC 3463 4.3.1, as Postfix answers MAIL when its queue is short of space: before any data is sent.
            _logReason = "free space under EmailAI:Storage:MinimumFreeBytes";
            return SmtpReplies.InsufficientStorage;
        }

        if (!args.StartsWith("FROM:", StringComparison.OrdinalIgnoreCase))
        {
            return SmtpReplies.MailSyntax;
        }

        // Leniency shared with common MTAs: a space after the colon is tolerated.
        var rest = args[5..].TrimStart(' ');
        if (!TryParseParameters(rest, out var pathText, out var parameters))
        {
            return SmtpReplies.MailSyntax;
        }

        _logSender = pathText;

        var utf8 = false;
        long? declaredSize = null;
        foreach (var (keyword, value) in parameters)
        {
            if (!_extended)
            {
                return SmtpReplies.UnknownParameter;
            }

            switch (keyword)
            {
                case "SIZE":
                    // RFC 1870 §6: a declared size over the limit is refused before any data is sent.
                    if (value is null || value.Length == 0 || !value.All(char.IsAsciiDigit))
                    {
                        return SmtpReplies.BadParameterValue;
                    }

                    // All digits but beyond a 64-bit count: certainly over the limit.
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var declared) || declared > _options.MaxMessageSize)
                    {
                        _logReason = $"declared SIZE={value} over the limit of {_options.MaxMessageSize} octets";
                        return SmtpReplies.MessageTooBig;
                    }

                    declaredSize = declared;
                    break;
                case "BODY":
                    if (value is null || !(value.Equals("7BIT", StringComparison.OrdinalIgnoreCase) || value.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase)))
                    {
                        return SmtpReplies.BadParameterValue;
                    }

                    break;
                case "SMTPUTF8" when _options.EnableSmtpUtf8:
                    if (value is not null)
                    {
                        return SmtpReplies.BadParameterValue;
                    }

                    utf8 = true;
                    break;
                default:
                    return SmtpReplies.UnknownParameter;
            }
        }

        if (!SmtpAddressParser.TryParseReversePath(pathText, true, out var path, out var consumed) || consumed != pathText.Length)
        {
            return SmtpReplies.BadSenderAddress;
        }

        if (path.Mailbox is { RequiresUtf8: true } && !utf8)
        {
            return SmtpReplies.Utf8NotAnnounced;
        }

        StartTransactionTrace(path);

        // Postfix's reject_sender_login_mismatch does not apply to the null sender: a bounce or receipt from the
        // user's client names no address to impersonate, so <> is accepted from any authenticated session.
        if (_authenticated is not null && _context.Senders is { } senders && !path.IsNull)
        {
            SenderVerdict verdict;
            try
            {
                verdict = await senders.CheckSenderAsync(Info, path, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                _logReason = "sender policy failed: " + ex.Message;
                return SmtpReplies.TemporaryFailure;
            }

            if (!verdict.Accepted)
            {
                _logReason = verdict.Reason;
                return verdict.Reply;
            }
        }

        _sender = path;
        _utf8 = utf8;
        _declaredSize = declaredSize;
        _state = SmtpState.InTransaction;
        return SmtpReplies.SenderOk;
    }

    /// <summary>AUTH mechanism [initial-response] (RFC 4954 §4).</summary>
    private async ValueTask<SmtpReply> AuthAsync(string args, CancellationToken cancellationToken)
    {
        if (_context.Credentials is not { } verifier)
        {
            return SmtpReplies.CommandNotImplemented;
        }

        if (!_extended)
        {
            return _state == SmtpState.Connected ? SmtpReplies.SendHeloFirst : SmtpReplies.SendEhloFirst;
        }

        if (_authenticated is not null)
        {
            return SmtpReplies.AlreadyAuthenticated;
        }

        if (_state == SmtpState.InTransaction)
        {
            return SmtpReplies.AuthInTransaction;
        }

        var space = args.IndexOf(' ');
        var name = (space < 0 ? args : args[..space]).ToUpperInvariant();
        var initial = space < 0 ? null : args[(space + 1)..];
        if (name.Length == 0 || initial is { Length: 0 } || initial?.Contains(' ') == true)
        {
            return SmtpReplies.AuthSyntax;
        }

        var request = new LoginRequest("SMTP", LoginMechanism.Plain, "", _remoteAddress, _sessionId, _tls is not null);
        if (SmtpAuthExchange.CreateMechanism(name, verifier, request, ScramFactory) is not { } mechanism)
        {
            return SmtpReplies.UnknownMechanism;
        }

        _command = "AUTH " + name;
        if (!AuthOffered)
        {
            // RFC 4954 §6: refused before any credential is looked at, so nothing in clear is ever checked.
            _logReason = "AUTH without TLS (AllowInsecureAuth is off)";
            return SmtpReplies.EncryptionRequired;
        }

        var exchange = new SmtpAuthExchange(mechanism, _options.MaxSaslResponseLength);
        return Track(exchange, await exchange.StartAsync(initial, cancellationToken));
    }

    /// <summary>One line of a running exchange: never a command, never logged (it may hold a password).</summary>
    private async ValueTask<SmtpReply> SaslResponseAsync(FramedLineKind kind, string line, CancellationToken cancellationToken)
    {
        _logSender = null;
        _logRecipient = null;
        _logQueueId = null;
        return Track(_sasl!, await _sasl!.ReadAsync(kind, line, cancellationToken));
    }

    /// <summary>Takes over what a step of the exchange decided: the log's reason, the account, whether it goes on.</summary>
    private SmtpReply Track(SmtpAuthExchange exchange, SmtpReply reply)
    {
        _logReason = exchange.Reason;
        _authenticated ??= exchange.Account;
        _sasl = exchange.IsOpen ? exchange : null;
        if (_authenticated is not null)
        {
            _sessionRefusal = null;
        }

        return reply;
    }

    /// <summary>The session's standing refusal, for a later MAIL or RCPT: not asked again, logged as a repeat.</summary>
    private SmtpReply RepeatSessionRefusal()
    {
        _logReason = _sessionRefusal!.Reason + " (refused earlier in this session)";
        return _sessionRefusal.Reply;
    }

    private async ValueTask<SmtpReply> RcptAsync(string args, CancellationToken cancellationToken)
    {
        if (_sessionRefusal is not null && _state != SmtpState.Connected)
        {
            return RepeatSessionRefusal();
        }

        if (_state != SmtpState.InTransaction || _sender is null)
        {
            return _state == SmtpState.Connected ? SmtpReplies.SendHeloFirst : SmtpReplies.NeedMail;
        }

        if (!args.StartsWith("TO:", StringComparison.OrdinalIgnoreCase))
        {
            return SmtpReplies.RcptSyntax;
        }

        if (!TryParseParameters(args[3..].TrimStart(' '), out var pathText, out var parameters))
        {
            return SmtpReplies.RcptSyntax;
        }

        _logRecipient = pathText;

        if (parameters.Count > 0)
        {
            // No RCPT extensions (DSN's NOTIFY/ORCPT) are advertised yet.
            return SmtpReplies.UnknownParameter;
        }

        if (!SmtpAddressParser.TryParseForwardPath(pathText, true, out var path, out var consumed) || consumed != pathText.Length)
        {
            return SmtpReplies.BadRecipientAddress;
        }

        if (path.Mailbox is { RequiresUtf8: true } && !_utf8)
        {
            return SmtpReplies.Utf8NotAnnounced;
        }

        _logRecipient = path.ToString();
        if (_recipients.Count >= _options.MaxRecipients)
        {
            _logReason = $"recipient limit of {_options.MaxRecipients} per message reached";
            return SmtpReplies.TooManyRecipients;
        }

        RecipientVerdict verdict;
        try
        {
            verdict = await _policy.CheckRecipientAsync(Info, _sender, path, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The policy's own failures are temporary by contract: the client retries later.
            _logReason = "recipient policy failed: " + ex.Message;
            return SmtpReplies.TemporaryFailure;
        }

        _logReason = verdict.Reason;
        if (verdict is { Accepted: false, RefusesSession: true })
        {
            _sessionRefusal = verdict;
        }

        if (verdict.Accepted && verdict.Route is not null)
        {
            _recipients.Add(new SmtpRecipient(path, verdict.Route));
            _acceptedRecipients++;
        }

        return verdict.Reply;
    }

    private SmtpReply Data(string args)
    {
        if (args.Length > 0)
        {
            return SmtpReplies.NoArguments;
        }

        if (_state != SmtpState.InTransaction)
        {
            return _state == SmtpState.Connected ? SmtpReplies.SendHeloFirst : SmtpReplies.NeedMail;
        }

        if (_recipients.Count == 0)
        {
            // RFC 2920 §3.1: with pipelining, DATA after only failed RCPTs gets 554 (503 is also allowed).
            return SmtpReplies.NoValidRecipients;
        }

        _inData = true;
        _dataFramer.Reset();
        _queueId = SmtpQueueId.New(_time.GetUtcNow());
        _transaction?.SetTag("emailai.queue_id", _queueId);
        _transaction?.SetTag("smtp.recipients", _recipients.Count);
        _receivedAt = _time.GetUtcNow();
        _dataLastRead = _receivedAt;
        _dataBudget = _options.DataIdleTimeout;
        _dataEndsAt = _receivedAt + _options.MaxDataDuration;
        _message.ResetWrittenCount();
        WriteTraceHeader();
        return SmtpReplies.StartMailInput;
    }

    /// <summary>
    /// The Received trace field (RFC 5321 §4.4, protocol names RFC 3848). "for" names the recipient only when
    /// there is exactly one, so a copy never discloses the other recipients.
    /// </summary>
    private void WriteTraceHeader()
    {
        var protocol = TraceProtocol(_extended, _utf8, _tls is not null, _authenticated is not null);
        var builder = new StringBuilder(256);
        var literal = _remoteAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6:" + _remoteAddress : _remoteAddress.ToString();
        builder.Append("Received: from ").Append(TraceSafe(_heloName)).Append(" ([").Append(literal).Append("])\r\n");
        if (_context.Location?.Country is { Length: 2 } country && country.All(char.IsAsciiLetterUpper))
        {
            // The client's country from this node's location database (as Stalwart shows it), so users see it.
            builder.Append("\t(country ").Append(country).Append(")\r\n");
        }

        if (_tls is not null)
        {
            // As Postfix writes it (smtpd_tls_received_header); the values come from our TLS stack, not the client.
            builder.Append("\t(using ").Append(_tls.Protocol).Append(" with cipher ").Append(_tls.CipherSuite);
            if (_tls.KeyBits > 0)
            {
                builder.Append(" (").Append(_tls.KeyBits).Append('/').Append(_tls.KeyBits).Append(" bits)");
            }

            builder.Append(")\r\n");
        }

        builder.Append("\tby ").Append(_options.ServerDomain).Append(" (EmailAI) with ").Append(protocol)
            .Append(" id ").Append(_queueId);
        if (_recipients.Count == 1)
        {
            builder.Append("\r\n\tfor ").Append(_recipients[0].Path);
        }

        builder.Append("; ").Append(FormatDate(_receivedAt)).Append("\r\n");
        var bytes = Encoding.UTF8.GetBytes(builder.ToString());
        _message.Write(bytes);
    }

    /// <summary>
    /// The protocol of the "with" clause: RFC 3848 (ESMTPS under TLS, ESMTPA authenticated, ESMTPSA both) and
    /// RFC 6531 §3.7.3 (UTF8SMTP, UTF8SMTPS, UTF8SMTPA, UTF8SMTPSA when SMTPUTF8 was used). HELO is plain SMTP:
    /// RFC 3848 defines the suffixes for ESMTP only. The authenticated user is not named (Postfix's
    /// smtpd_sasl_authenticated_header is off by default): the log says who sent what.
    /// </summary>
    internal static string TraceProtocol(bool extended, bool utf8, bool tls, bool authenticated)
    {
        if (!extended && !utf8)
        {
            return "SMTP";
        }

        return (utf8 ? "UTF8SMTP" : "ESMTP") + (tls ? "S" : "") + (authenticated ? "A" : "");
    }

    /// <summary>
    /// The HELO name as it may appear in a trace field: a domain or address literal as sent; anything else
    /// (clients send junk) with every character outside letters, digits and <c>.-_:[]</c> replaced, so a
    /// <c>;</c> or <c>(</c> cannot change the header's structure.
    /// </summary>
    private static string TraceSafe(string? helo)
    {
        if (helo is null)
        {
            return "unknown";
        }

        if (SmtpAddressParser.IsDomain(helo, utf8: false) || SmtpAddressParser.IsAddressLiteral(helo))
        {
            return helo;
        }

        return string.Concat(helo.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '[' or ']' ? c : '_'));
    }

    /// <summary>RFC 5322 §3.3 date-time in UTC.</summary>
    public static string FormatDate(DateTimeOffset when) =>
        when.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    private async ValueTask<SmtpReply> FinishMessageAsync(CancellationToken cancellationToken)
    {
        _inData = false;
        BeginCommand("END-OF-MESSAGE", count: false);
        _logSender = _sender!.ToString();
        _logRecipient = string.Join(",", _recipients.Select(r => r.Path));
        _logQueueId = _queueId;
        SmtpReply reply;
        var defects = _dataFramer.Defects;
        // Minus our own Received field, which the message already starts with.
        var hops = defects == SmtpDataDefects.None ? HeaderFields.Count(_message.WrittenSpan, "Received") - 1 : 0;
        if (defects.HasFlag(SmtpDataDefects.TooBig))
        {
            reply = SmtpReplies.MessageTooBig;
            _logReason = $"message of {_dataFramer.Size} octets over the limit of {_options.MaxMessageSize}";
        }
        else if (defects.HasFlag(SmtpDataDefects.HeaderFieldTooBig))
        {
            reply = SmtpReplies.HeaderTooBig;
            _logReason = $"a header field over the limit of {_options.MaxHeaderFieldSize} octets";
        }
        else if (defects.HasFlag(SmtpDataDefects.HeaderTooBig))
        {
            reply = SmtpReplies.HeaderTooBig;
            _logReason = $"a header over the limit of {_options.MaxHeaderSize} octets";
        }
        else if (defects.HasFlag(SmtpDataDefects.LineTooLong))
        {
            reply = SmtpReplies.DataLineTooLong;
            _logReason = $"a line longer than {_options.MaxDataLineLength - 2} octets (LongLines=reject)";
        }
        else if (defects != SmtpDataDefects.None)
        {
            reply = SmtpReplies.BareLineEnding;
            _logReason = $"{defects} in the message text (BareLineFeeds=reject)";
        }
        else if (hops > _options.MaxReceivedHeaders)
        {
            reply = SmtpReplies.TooManyHops;
            _logReason = $"{hops} Received fields, more than {_options.MaxReceivedHeaders}: a mail loop";
        }
        else
        {
            var envelope = new SmtpEnvelope(_queueId, _sender!, [.. _recipients], _heloName, _remoteAddress, _utf8, _receivedAt)
            {
                AuthenticatedIdentity = _authenticated,
            };
            var content = _context.RequiresAuth || _authenticated is not null ? CompleteSubmission(_message.WrittenMemory) : _message.WrittenMemory;
            try
            {
                reply = await _sink.CommitAsync(envelope, content, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Nothing is known to be committed: the client must retry (RFC 5321 §4.2.5).
                reply = SmtpReplies.TemporaryFailure;
                _logReason = "commit failed: " + ex.Message;
            }

            if (reply.IsPositive)
            {
                // As Postfix resets its junk and error-delay counts once mail is delivered: this client is doing what
                // SMTP is for. MaxErrors still counts the whole session.
                _junkCommands = 0;
                _errorsSinceDelivery = 0;
                _context.Standing?.RecordDelivery();
                _messages++;
                _events?.Accepted(envelope, content.Length);
            }
        }

        // RFC 5321 §4.1.1.4: the transaction ends whatever the outcome.
        ResetTransaction();
        return reply;
    }

    /// <summary>
    /// RFC 6409 §8.2 and §8.3, for submitted mail only (a submission port, or any authenticated session): adds the
    /// <c>Date:</c> (arrival time, RFC 5322 §3.3) and <c>Message-ID:</c> (<c>&lt;queueid.random@ServerDomain&gt;</c>)
    /// a message lacks, at the end of its header section, where Postfix's cleanup adds them; the client's fields
    /// keep their order and our Received stays first. Mail from the internet is never changed (RFC 5321 §6.1 has a
    /// relay leave content alone), which the caller ensures.
    /// </summary>
    private ReadOnlyMemory<byte> CompleteSubmission(ReadOnlyMemory<byte> content)
    {
        var present = HeaderFields.FieldSection(content.Span);
        var missingDate = HeaderFields.Count(present, "Date") == 0;
        var missingId = HeaderFields.Count(present, "Message-ID") == 0;
        if (!missingDate && !missingId)
        {
            return content;
        }

        var fields = new StringBuilder(128);
        if (missingDate)
        {
            fields.Append("Date: ").Append(FormatDate(_receivedAt)).Append("\r\n");
        }

        if (missingId)
        {
            fields.Append("Message-ID: <").Append(_queueId).Append('.')
                .Append(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))).Append('@').Append(_options.ServerDomain).Append(">\r\n");
        }

        return HeaderFields.AppendToHeader(content.Span, Encoding.UTF8.GetBytes(fields.ToString()));
    }

    private void ResetTransaction()
    {
        _sender = null;
        _utf8 = false;
        _declaredSize = null;
        _recipients.Clear();
        _inData = false;
        if (_message.Capacity > MaxRetainedMessageBuffer)
        {
            // A large message's buffer is not kept for the life of the session.
            _message = new ArrayBufferWriter<byte>(InitialMessageBuffer);
        }
        else
        {
            _message.ResetWrittenCount();
        }
        if (_state == SmtpState.InTransaction)
        {
            _state = SmtpState.Greeted;
        }
    }

    /// <summary>
    /// Splits "&lt;path&gt; KEY=VALUE KEY" into the path text and upper-cased esmtp-keywords
    /// (RFC 5321 §4.1.2 Mail-parameters). Duplicate keywords are a syntax error.
    /// </summary>
    private static bool TryParseParameters(string text, out string pathText, out List<(string Keyword, string? Value)> parameters)
    {
        parameters = [];
        pathText = text;
        if (!text.StartsWith('<'))
        {
            return false;
        }

        // The path ends at its closing bracket (quotes may hide '>' and spaces).
        var probe = SmtpAddressParser.FindPathEnd(text);
        if (probe < 0)
        {
            return false;
        }

        pathText = text[..(probe + 1)];
        var rest = text[(probe + 1)..];
        if (rest.Length == 0)
        {
            return true;
        }

        if (rest[0] != ' ')
        {
            return false;
        }

        foreach (var token in rest.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = token.IndexOf('=');
            var keyword = (eq < 0 ? token : token[..eq]).ToUpperInvariant();
            var value = eq < 0 ? null : token[(eq + 1)..];
            if (keyword.Length == 0 || !keyword.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') || !char.IsAsciiLetterOrDigit(keyword[0]))
            {
                return false;
            }

            // esmtp-value = 1*(%d33-60 / %d62-126)
            if (value is not null && (value.Length == 0 || value.Any(c => c < 33 || c > 126 || c == '=')))
            {
                return false;
            }

            if (parameters.Any(p => p.Keyword == keyword))
            {
                return false;
            }

            parameters.Add((keyword, value));
        }

        return true;
    }
}
