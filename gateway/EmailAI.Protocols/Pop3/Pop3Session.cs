using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using EmailAI.Protocols.Auth;
using EmailAI.Protocols.Common;

namespace EmailAI.Protocols.Pop3;

/// <summary>
/// One server-side POP3 session (RFC 1939, RFC 2449 CAPA and response codes, RFC 5034 SASL PLAIN) as a
/// state machine with no I/O: the host feeds it the bytes that arrived and writes out the responses it
/// returns. It runs one command per <see cref="ProcessAsync"/> call, so pipelined commands (RFC 2449
/// PIPELINING) are answered in order and only as fast as the host hands their responses to a writer that
/// pushes back: a burst of commands never piles up responses in memory.
/// Message numbers are fixed for the session: they index the snapshot taken when the maildrop was
/// locked. DELE only marks; removal happens in UPDATE, after QUIT, never on a dropped connection or an
/// autologout. A session cannot hold its slot and lock for ever: <see cref="Pop3Options.MaxErrors"/> errors,
/// <see cref="Pop3Options.MaxJunkCommands"/> commands in a row without a RETR, TOP or DELE, or a command past
/// <see cref="Pop3Options.MaxSessionDuration"/> (QUIT excepted) end it, each without UPDATE (<see cref="CloseReason"/>
/// says which). Not thread-safe: one session per connection loop.
/// </summary>
public sealed class Pop3Session
{
    private readonly Pop3Options _options;
    private readonly IPAddress _remoteAddress;
    private readonly bool _secure;
    private readonly IPop3Backend _backend;
    private readonly TimeProvider _time;
    private readonly IPop3LoginObserver? _logins;
    private readonly CommandLineFramer _framer;
    private readonly string? _apopTimestamp;

    private const string SaslPlain = "AUTH PLAIN";

    private readonly bool _tlsAvailable;

    // Null until a TLS handshake completed (STLS, or from the start on port 995).
    private TlsSessionInfo? _tls;

    private Prefetched? _prefetch;
    private string? _user;
    private bool _saslPending;
    private int _errors;
    private int _junk;
    private bool _progress;
    private readonly DateTimeOffset _endsAt;
    private IReadOnlyList<Pop3Message> _messages = [];
    private bool[] _deleted = [];

    /// <param name="secure">True when plaintext logins are safe on this connection without TLS (loopback).</param>
    /// <param name="tlsAvailable">True when the node has a certificate, so STLS (RFC 2595) is offered.</param>
    /// <param name="implicitTls">The handshake's result on an implicit-TLS listener (995): the session starts under TLS.</param>
    public Pop3Session(
        Pop3Options options,
        string sessionId,
        IPAddress remoteAddress,
        bool secure,
        IPop3Backend backend,
        TimeProvider time,
        IPop3LoginObserver? logins = null,
        bool tlsAvailable = false,
        TlsSessionInfo? implicitTls = null)
    {
        _tlsAvailable = tlsAvailable;
        _tls = implicitTls;
        _logins = logins;
        _options = options;
        SessionId = sessionId;
        _remoteAddress = remoteAddress;
        _secure = secure;
        _backend = backend;
        _time = time;
        _framer = new CommandLineFramer(options.MaxCommandLineLength);
        if (options.EnableApop)
        {
            // RFC 1939 §7: a timestamp unique to this greeting, in msg-id form.
            _apopTimestamp = $"<{Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant()}.{time.GetUtcNow().ToUnixTimeSeconds()}@{options.ServerDomain}>";
        }

        var now = time.GetUtcNow();
        _endsAt = options.MaxSessionDuration < DateTimeOffset.MaxValue - now ? now + options.MaxSessionDuration : DateTimeOffset.MaxValue;
        Deadline = NextDeadline();
    }

    /// <summary>Why the server ended the session (<see cref="TooManyErrorsReason"/> and the like); null while open or when the client did.</summary>
    public string? CloseReason { get; private set; }

    public const string TooManyErrorsReason = "too many errors";
    public const string JunkCommandsReason = "too many commands without progress";
    public const string SessionDurationReason = "session duration";
    public const string AutologoutReason = "autologout";

    public string SessionId { get; }

    public Pop3State State { get; private set; } = Pop3State.Authorization;

    /// <summary>The maildrop this session has locked (TRANSACTION), or null.</summary>
    public string? Mailbox { get; private set; }

    public bool IsClosed { get; private set; }

    /// <summary>Messages sent whole by RETR in this session.</summary>
    public int MessagesRetrieved { get; private set; }

    /// <summary>Stored octets of the messages counted by <see cref="MessagesRetrieved"/>.</summary>
    public long OctetsRetrieved { get; private set; }

    /// <summary>Messages removed by this session's UPDATE (zero until a QUIT committed).</summary>
    public int MessagesDeleted { get; private set; }

    /// <summary>
    /// When the wait for the next command ends the session: <see cref="Pop3Options.AutologoutTimeout"/> after the last
    /// command, or the end of <see cref="Pop3Options.MaxSessionDuration"/> if that comes first.
    /// </summary>
    public DateTimeOffset Deadline { get; private set; }

    /// <summary>True once the connection is under TLS (after STLS, or from the start on port 995).</summary>
    public bool IsTls => _tls is not null;

    /// <summary>
    /// True after <c>+OK</c> to STLS: <see cref="ProcessAsync"/> consumed nothing past the STLS line and takes no
    /// more input until <see cref="TlsStarted"/>. The host writes the response, discards whatever else the client
    /// sent before the handshake (never executed: CVE-2011-0411), runs the handshake and calls
    /// <see cref="TlsStarted"/>, or closes the connection if the handshake fails.
    /// </summary>
    public bool TlsRequested { get; private set; }

    /// <summary>
    /// The handshake after STLS completed: the session stays in AUTHORIZATION (RFC 2595 §4), and USER/PASS and
    /// SASL PLAIN are allowed from any address from now on.
    /// </summary>
    /// <exception cref="InvalidOperationException">No STLS was answered +OK.</exception>
    public void TlsStarted(TlsSessionInfo tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        if (!TlsRequested)
        {
            throw new InvalidOperationException("TlsStarted without an STLS answered +OK.");
        }

        TlsRequested = false;
        _tls = tls;
        Deadline = NextDeadline();
    }

    private bool PlaintextAllowed => _secure || _tls is not null || _options.AllowInsecureAuth;

    /// <summary>The greeting line (without CRLF).</summary>
    public string Start() => Pop3Responses.Greeting(_options.ServerDomain, _apopTimestamp);

    /// <summary>
    /// Call when the responses have been sent: the autologout timer (RFC 1939 §3) measures the client's
    /// inactivity, so it starts again once a slow command or a long RETR has reached the client.
    /// </summary>
    public void RestartAutologout()
    {
        if (!IsClosed)
        {
            Deadline = NextDeadline();
        }
    }

    private DateTimeOffset NextDeadline()
    {
        var idle = _time.GetUtcNow() + _options.AutologoutTimeout;
        return idle < _endsAt ? idle : _endsAt;
    }

    /// <summary>
    /// Call when the wait for input reached <see cref="Deadline"/>: returns the autologout line (or, past
    /// <see cref="Pop3Options.MaxSessionDuration"/>, the session-limit line) and closes the session (the host then
    /// releases the lock without deleting); null if the deadline has not passed.
    /// </summary>
    public string? CheckTimeout()
    {
        var now = _time.GetUtcNow();
        if (IsClosed || now < Deadline)
        {
            return null;
        }

        return now >= _endsAt ? Close(SessionDurationReason, Pop3Responses.SessionTooLong) : Close(AutologoutReason, Pop3Responses.Autologout);
    }

    /// <summary>Ends the session without UPDATE (RFC 1939 §6) and returns the line that says why.</summary>
    private string Close(string reason, string line)
    {
        IsClosed = true;
        CloseReason = reason;
        return line;
    }

    /// <summary>
    /// Consumes the next complete command line of <paramref name="input"/>, if there is one, and appends its
    /// response to <paramref name="responses"/> (two, when it was the error that ends the session). Returns
    /// how far the input was consumed; the host writes the responses and, while this call keeps adding them,
    /// offers the rest again, so the next command runs only after the last response went to the writer.
    /// Nothing is added when the input holds no complete line (a partial line stays unconsumed, a line over
    /// the limit is dropped as it arrives) or once the session is closed.
    /// </summary>
    public async ValueTask<SequencePosition> ProcessAsync(ReadOnlySequence<byte> input, List<Pop3Response> responses, CancellationToken cancellationToken)
    {
        var position = input.Start;
        if (IsClosed || TlsRequested)
        {
            return position;
        }

        var kind = _framer.TryRead(input, ref position, out var line);
        if (kind == FramedLineKind.NeedMoreData)
        {
            return position;
        }

        if (_time.GetUtcNow() >= _endsAt && !(kind == FramedLineKind.Line && !_saslPending && IsQuit(line)))
        {
            // Past MaxSessionDuration only QUIT is still carried out, so a long download's deletions commit.
            responses.Add(Line(Close(SessionDurationReason, Pop3Responses.SessionTooLong)));
            return position;
        }

        Deadline = NextDeadline();
        if (_saslPending && kind != FramedLineKind.Line)
        {
            // RFC 5034 §4: the error ends the AUTH exchange; the next line is a command again.
            EndSasl();
        }

        _progress = false;
        var response = kind switch
        {
            FramedLineKind.Line => await ExecuteAsync(line, cancellationToken),
            FramedLineKind.TooLong => Line(Pop3Responses.LineTooLong),
            _ => Line(Pop3Responses.UnknownCommand),
        };

        responses.Add(response);
        if (CountsAsError(response))
        {
            if (++_errors >= _options.MaxErrors)
            {
                responses.Add(Line(Close(TooManyErrorsReason, Pop3Responses.TooManyErrors)));
            }
        }
        else if (_progress)
        {
            _junk = 0;
        }
        else if (!IsClosed && ++_junk > _options.MaxJunkCommands)
        {
            // Not served: the command's response is replaced. Junk commands change nothing that outlives a session
            // closed without UPDATE.
            responses[^1] = Line(Close(JunkCommandsReason, Pop3Responses.TooManyJunkCommands));
        }

        return position;
    }

    private static bool IsQuit(string line)
    {
        var space = line.IndexOf(' ');
        return (space < 0 ? line : line[..space]).Equals("QUIT", StringComparison.OrdinalIgnoreCase);
    }

    private bool CountsAsError(Pop3Response response)
    {
        // Our own trouble, a locked maildrop or a cancelled SASL exchange is not the client's error.
        var status = response.StatusLine;
        return response.IsError && !status.StartsWith("-ERR [SYS/", StringComparison.Ordinal)
            && status != Pop3Responses.InUse && status != Pop3Responses.SaslCancelled && !IsClosed;
    }

    private static Pop3Response Line(string statusLine) => new(statusLine);

    /// <summary>Runs one command and returns its response.</summary>
    private async ValueTask<Pop3Response> ExecuteAsync(string line, CancellationToken cancellationToken)
    {
        if (_saslPending)
        {
            EndSasl();
            return Line(await SaslPlainAsync(line, cancellationToken));
        }

        var space = line.IndexOf(' ');
        var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var argument = space < 0 ? "" : line[(space + 1)..];
        return verb switch
        {
            "CAPA" => Capabilities(),
            "LIST" when State == Pop3State.Transaction => List(argument),
            "UIDL" when State == Pop3State.Transaction => Uidl(argument),
            "RETR" when State == Pop3State.Transaction => await RetrieveAsync(argument, cancellationToken),
            "TOP" when State == Pop3State.Transaction => await TopAsync(argument, cancellationToken),
            "AUTH" when State == Pop3State.Authorization => await AuthAsync(argument, cancellationToken),
            _ => Line(await ExecuteSingleLineAsync(verb, argument, cancellationToken)),
        };
    }

    /// <summary>The commands whose response is always one status line.</summary>
    private async ValueTask<string> ExecuteSingleLineAsync(string verb, string argument, CancellationToken cancellationToken)
    {
        return verb switch
        {
            "QUIT" => await QuitAsync(cancellationToken),
            "STLS" => StartTls(argument),
            "NOOP" when State == Pop3State.Transaction => Pop3Responses.Ok,
            "USER" or "PASS" or "APOP" or "AUTH" when State != Pop3State.Authorization => Pop3Responses.NotInThisState,
            "USER" => User(argument),
            "PASS" => await PassAsync(argument, cancellationToken),
            "APOP" => await ApopAsync(argument, cancellationToken),
            "STAT" or "LIST" or "RETR" or "DELE" or "RSET" or "TOP" or "UIDL" or "NOOP" when State != Pop3State.Transaction => Pop3Responses.NotInThisState,
            "STAT" => Stat(argument),
            "DELE" => Delete(argument),
            "RSET" => Reset(argument),
            _ => Pop3Responses.UnknownCommand,
        };
    }

    /// <summary>
    /// RFC 2595 §4: only in AUTHORIZATION, before USER, with no argument, and not twice; <c>+OK</c> then nothing
    /// more in clear (<see cref="TlsRequested"/>).
    /// </summary>
    private string StartTls(string argument)
    {
        if (!_tlsAvailable && _tls is null)
        {
            return Pop3Responses.TlsNotAvailable;
        }

        if (_tls is not null)
        {
            return Pop3Responses.TlsAlreadyActive;
        }

        if (State != Pop3State.Authorization || _user is not null)
        {
            return Pop3Responses.NotInThisState;
        }

        if (argument.Length > 0)
        {
            return Pop3Responses.Syntax;
        }

        // Once per session, like a login: neither is junk.
        TlsRequested = true;
        _progress = true;
        return Pop3Responses.BeginTls;
    }

    private void EndSasl()
    {
        _saslPending = false;
        _framer.MaxLineLength = _options.MaxCommandLineLength;
    }

    /// <summary>RFC 2449 §5. IMPLEMENTATION is left out on purpose: it only helps an attacker.</summary>
    private Pop3Response Capabilities()
    {
        List<string> lines = [Pop3Responses.CapabilityList, "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"];
        if (_tlsAvailable && _tls is null && State == Pop3State.Authorization)
        {
            lines.Add("STLS");                                         // RFC 2595 §4
        }

        if (State == Pop3State.Authorization && PlaintextAllowed)
        {
            lines.Add("USER");
            lines.Add("SASL PLAIN");
        }

        lines.Add(".");
        return new Pop3Response(lines);
    }

    private string User(string name)
    {
        if (!PlaintextAllowed)
        {
            return Refuse(name, "USER", Pop3LoginOutcome.PlaintextNotAllowed, Pop3Responses.InsecureAuth);
        }

        if (name.Length == 0 || name.Contains(' '))
        {
            return Pop3Responses.Syntax;
        }

        _user = name;
        return Pop3Responses.UserAccepted;
    }

    private async ValueTask<string> PassAsync(string password, CancellationToken cancellationToken)
    {
        if (!PlaintextAllowed)
        {
            return Refuse(_user ?? "", "USER", Pop3LoginOutcome.PlaintextNotAllowed, Pop3Responses.InsecureAuth);
        }

        if (_user is null)
        {
            return Pop3Responses.NeedUser;
        }

        // RFC 1939 §7: after a failed PASS the client starts again with USER.
        var user = _user;
        _user = null;
        return await LoginAsync(new Pop3Credentials(user, password, null, null, _remoteAddress), "USER", cancellationToken);
    }

    private async ValueTask<string> ApopAsync(string argument, CancellationToken cancellationToken)
    {
        if (_apopTimestamp is null)
        {
            return Pop3Responses.UnknownCommand;
        }

        var parts = argument.Split(' ');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length != 32 || !parts[1].All(char.IsAsciiHexDigit))
        {
            return Pop3Responses.Syntax;
        }

        return await LoginAsync(new Pop3Credentials(parts[0], null, _apopTimestamp, parts[1].ToLowerInvariant(), _remoteAddress), "APOP", cancellationToken);
    }

    private async ValueTask<Pop3Response> AuthAsync(string argument, CancellationToken cancellationToken)
    {
        if (argument.Length == 0)
        {
            // RFC 1734 style listing, which some clients still ask for.
            return new Pop3Response(PlaintextAllowed ? [Pop3Responses.SaslMechanisms, "PLAIN", "."] : [Pop3Responses.SaslMechanisms, "."]);
        }

        return Line(await AuthMechanismAsync(argument, cancellationToken));
    }

    private async ValueTask<string> AuthMechanismAsync(string argument, CancellationToken cancellationToken)
    {
        var space = argument.IndexOf(' ');
        var mechanism = (space < 0 ? argument : argument[..space]).ToUpperInvariant();
        if (mechanism != "PLAIN")
        {
            return Pop3Responses.UnsupportedMechanism;
        }

        if (!PlaintextAllowed)
        {
            return Refuse("", SaslPlain, Pop3LoginOutcome.PlaintextNotAllowed, Pop3Responses.InsecureAuth);
        }

        if (space < 0)
        {
            // RFC 5034 §4: no initial response, so ask for it with an empty challenge.
            _saslPending = true;
            _framer.MaxLineLength = _options.MaxSaslLineLength;
            return Pop3Responses.SaslContinue;
        }

        return await SaslPlainAsync(argument[(space + 1)..], cancellationToken);
    }

    /// <summary>RFC 4616: base64 of authzid NUL authcid NUL password; authzid empty or equal to authcid.</summary>
    private async ValueTask<string> SaslPlainAsync(string response, CancellationToken cancellationToken)
    {
        if (response == "*")
        {
            return Pop3Responses.SaslCancelled;
        }

        if (!SaslBase64.TryDecodeInitial(response, out var decoded) || !SaslPlainMessage.TryParse(decoded, out var message))
        {
            return Pop3Responses.SaslMalformed;
        }

        if (message.IsProxyAuthorization)
        {
            // Logging in as one user on behalf of another (proxy authorization) is not offered.
            return Refuse(message.User, SaslPlain, Pop3LoginOutcome.WrongCredentials, Pop3Responses.AuthFailed);
        }

        return await LoginAsync(new Pop3Credentials(message.User, message.Password, null, null, _remoteAddress), SaslPlain, cancellationToken);
    }

    /// <summary>Checks the credentials, then locks the maildrop; only both together are a login.</summary>
    private async ValueTask<string> LoginAsync(Pop3Credentials credentials, string mechanism, CancellationToken cancellationToken)
    {
        Pop3AuthResult auth;
        try
        {
            auth = await _backend.AuthenticateAsync(credentials with { Mechanism = mechanism, SessionId = SessionId }, cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return Refuse(credentials.User, mechanism, Pop3LoginOutcome.TemporaryFailure, Pop3Responses.TemporaryFailure);
        }

        switch (auth.Status)
        {
            case Pop3AuthStatus.Succeeded when auth.Mailbox is not null:
                break;
            case Pop3AuthStatus.Throttled:
                return Refuse(credentials.User, mechanism, Pop3LoginOutcome.Throttled, Pop3Responses.AuthThrottled);
            case Pop3AuthStatus.TemporaryFailure:
                return Refuse(credentials.User, mechanism, Pop3LoginOutcome.TemporaryFailure, Pop3Responses.TemporaryFailure);
            default:
                return Refuse(credentials.User, mechanism, Pop3LoginOutcome.WrongCredentials, Pop3Responses.AuthFailed);
        }

        Pop3OpenResult open;
        try
        {
            open = await _backend.OpenAsync(auth.Mailbox, SessionId, cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return Refuse(credentials.User, mechanism, Pop3LoginOutcome.TemporaryFailure, Pop3Responses.TemporaryFailure, auth.Mailbox);
        }

        switch (open.Status)
        {
            case Pop3OpenStatus.Opened:
                Mailbox = auth.Mailbox;
                _messages = open.Messages;
                _deleted = new bool[open.Messages.Count];
                State = Pop3State.Transaction;
                _progress = true;
                _logins?.OnLogin(new Pop3LoginAttempt(credentials.User, mechanism, _remoteAddress, Pop3LoginOutcome.LoggedIn, auth.Mailbox));
                return Pop3Responses.LoggedIn;
            case Pop3OpenStatus.InUse:
                return Refuse(credentials.User, mechanism, Pop3LoginOutcome.InUse, Pop3Responses.InUse, auth.Mailbox);
            default:
                return Refuse(credentials.User, mechanism, Pop3LoginOutcome.TemporaryFailure, Pop3Responses.TemporaryFailure, auth.Mailbox);
        }
    }

    /// <summary>Tells the observer why a login was refused and returns the response that says so to the client.</summary>
    private string Refuse(string user, string mechanism, Pop3LoginOutcome outcome, string response, string? mailbox = null)
    {
        _logins?.OnLogin(new Pop3LoginAttempt(user, mechanism, _remoteAddress, outcome, mailbox));
        return response;
    }

    private string Stat(string argument)
    {
        if (argument.Length > 0)
        {
            return Pop3Responses.Syntax;
        }

        var (count, octets) = Totals();
        return Pop3Responses.Stat(count, octets);
    }

    private Pop3Response List(string argument)
    {
        if (argument.Length > 0)
        {
            return Line(TryFind(argument, out var number, out var error) ? $"+OK {number} {_messages[number - 1].Size}" : error);
        }

        var (count, octets) = Totals();
        return Listing(Pop3Responses.ListSummary(count, octets), message => message.Size);
    }

    /// <summary>RFC 1939 §7 UIDL: the store's uid, decimal, which is unique in the maildrop and never reused.</summary>
    private Pop3Response Uidl(string argument)
    {
        if (argument.Length > 0)
        {
            return Line(TryFind(argument, out var number, out var error) ? $"+OK {number} {_messages[number - 1].Uid}" : error);
        }

        return Listing(Pop3Responses.Ok, message => message.Uid);
    }

    /// <summary>A multi-line LIST or UIDL: one "number value" line per message not marked deleted.</summary>
    private Pop3Response Listing(string statusLine, Func<Pop3Message, long> value)
    {
        List<string> lines = [statusLine];
        for (var i = 0; i < _messages.Count; i++)
        {
            if (!_deleted[i])
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{i + 1} {value(_messages[i])}"));
            }
        }

        lines.Add(".");
        return new Pop3Response(lines);
    }

    private async ValueTask<Pop3Response> RetrieveAsync(string argument, CancellationToken cancellationToken)
    {
        if (!TryFind(argument, out var number, out var error))
        {
            return Line(error);
        }

        var (content, failure) = _prefetch is { } ahead && ahead.Number == number
            ? await ahead.Read
            : await ReadAsync(number, cancellationToken);
        _prefetch = null;
        if (content is null)
        {
            return Line(failure);
        }

        MessagesRetrieved++;
        OctetsRetrieved += _messages[number - 1].Size;
        _progress = true;
        var response = new Pop3Response([Pop3Responses.Octets(_messages[number - 1].Size)], new Pop3MessageContent(content.Value));

        // Clients fetch in order: start reading the next message while this one is on its way, so the
        // next RETR does not wait for storage. At most one message is held ahead.
        var next = number + 1;
        while (next <= _messages.Count && _deleted[next - 1])
        {
            next++;
        }

        if (next <= _messages.Count)
        {
            _prefetch = new Prefetched(next, ReadAsync(next, cancellationToken).AsTask());
        }

        return response;
    }

    private async ValueTask<Pop3Response> TopAsync(string argument, CancellationToken cancellationToken)
    {
        var parts = argument.Split(' ');
        if (parts.Length != 2 || parts[1].Length == 0 || !parts[1].All(char.IsAsciiDigit))
        {
            return Line(Pop3Responses.Syntax);
        }

        // Any count beyond int range means "the whole body".
        var bodyLines = int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : int.MaxValue;

        if (!TryFind(parts[0], out var number, out var error))
        {
            return Line(error);
        }

        var (content, failure) = await ReadAsync(number, cancellationToken);
        _progress = content is not null;
        return content is null ? Line(failure) : new Pop3Response([Pop3Responses.Ok], new Pop3MessageContent(content.Value, bodyLines));
    }

    /// <summary>Reads a message; on failure says why: gone for good (removed by an admin) or try later.</summary>
    private async ValueTask<(ReadOnlyMemory<byte>? Content, string Failure)> ReadAsync(int number, CancellationToken cancellationToken)
    {
        try
        {
            var content = await _backend.ReadAsync(Mailbox!, _messages[number - 1].Uid, cancellationToken);
            return (content, Pop3Responses.MessageGone);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return ((ReadOnlyMemory<byte>?)null, Pop3Responses.TemporaryFailure);
        }
    }

    private string Delete(string argument)
    {
        if (!TryFind(argument, out var number, out var error))
        {
            return error;
        }

        _deleted[number - 1] = true;
        _progress = true;
        return Pop3Responses.Deleted(number);
    }

    private string Reset(string argument)
    {
        if (argument.Length > 0)
        {
            return Pop3Responses.Syntax;
        }

        Array.Clear(_deleted);
        return Pop3Responses.Reset;
    }

    private async ValueTask<string> QuitAsync(CancellationToken cancellationToken)
    {
        IsClosed = true;
        if (State != Pop3State.Transaction)
        {
            return Pop3Responses.Bye;
        }

        // RFC 1939 §6: UPDATE removes the marked messages, then the lock is released.
        State = Pop3State.Update;
        var uids = _messages.Where((_, i) => _deleted[i]).Select(m => m.Uid).ToArray();
        bool committed;
        try
        {
            committed = await _backend.CommitAsync(Mailbox!, SessionId, uids, cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            committed = false;
        }

        Mailbox = committed ? null : Mailbox;
        MessagesDeleted = committed ? uids.Length : 0;
        return committed ? Pop3Responses.SignedOff(_options.ServerDomain, uids.Length) : Pop3Responses.CommitFailed;
    }

    private (int Count, long Octets) Totals()
    {
        var count = 0;
        var octets = 0L;
        for (var i = 0; i < _messages.Count; i++)
        {
            if (!_deleted[i])
            {
                count++;
                octets += _messages[i].Size;
            }
        }

        return (count, octets);
    }

    /// <summary>Parses a message number (RFC 1939 §3: decimal, 1-based) that names a message not marked deleted.</summary>
    private bool TryFind(string argument, out int number, out string error)
    {
        error = "";
        number = 0;
        if (argument.Length == 0 || !argument.All(char.IsAsciiDigit))
        {
            error = Pop3Responses.Syntax;
            return false;
        }

        // All digits: a number too large for an int is simply not a message here.
        if (!int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number < 1 || number > _messages.Count)
        {
            error = Pop3Responses.NoSuchMessage;
            return false;
        }

        if (_deleted[number - 1])
        {
            error = Pop3Responses.AlreadyDeleted;
            return false;
        }

        return true;
    }

    /// <summary>A message read ahead of its RETR. Its task never faults: ReadAsync turns failures into a result.</summary>
    private sealed record Prefetched(int Number, Task<(ReadOnlyMemory<byte>? Content, string Failure)> Read);
}
