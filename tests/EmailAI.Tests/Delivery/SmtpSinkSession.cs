using System.Net.Security;
using System.Security.Authentication;
using System.Text;

namespace EmailAI.Tests.Delivery;

/// <summary>
/// One SMTP connection of an <see cref="SmtpSink"/>: reads a command line, answers it, repeats. Replies are flushed
/// one by one, which RFC 2920 §3.2 allows, so a pipelining client simply finds them in order.
/// </summary>
internal sealed class SmtpSinkSession
{
    private const string HostName = "localhost";

    // RFC 5321 §4.5.3.1.4 allows 512 octets and lets extensions raise it; generous, but bounded.
    private const int MaxCommandLength = 4096;

    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    private readonly SmtpSink _sink;
    private readonly int _connectionNumber;
    private Stream _stream;
    private SmtpSinkLineReader _reader;
    private bool _tls;
    private string? _heloName;

    // The mail transaction (RFC 5321 §3.3); _mailFrom is null when none is in progress.
    private string? _mailFrom;
    private string[] _mailParameters = [];
    private readonly List<string> _recipients = [];
    private bool _rcptSeen;

    public SmtpSinkSession(SmtpSink sink, Stream network, int connectionNumber)
    {
        _sink = sink;
        _connectionNumber = connectionNumber;
        _stream = network;
        _reader = new SmtpSinkLineReader(network);
    }

    /// <summary>Runs the session until QUIT, end of stream or cancellation; the stream is disposed on return.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            var greeting = _sink.Options.Greeting ?? $"220 {HostName} ESMTP EmailAI test sink";
            await ReplyAsync(greeting, cancellationToken);
            if (!greeting.StartsWith("220", StringComparison.Ordinal))
            {
                return;
            }

            while (await HandleNextCommandAsync(cancellationToken))
            {
            }
        }
        finally
        {
            // After STARTTLS this is the SslStream, which owns the network stream.
            await _stream.DisposeAsync();
        }
    }

    /// <summary>Returns false when the connection is to be closed.</summary>
    private async Task<bool> HandleNextCommandAsync(CancellationToken cancellationToken)
    {
        var read = await _reader.ReadLineAsync(MaxCommandLength, cancellationToken);
        if (read.EndOfStream)
        {
            return false;
        }

        if (read.TooLong)
        {
            await ReplyAsync("500 5.5.6 Command line too long", cancellationToken);
            return true;
        }

        var line = Encoding.UTF8.GetString(read.Bytes.Span).TrimEnd('\n').TrimEnd('\r');
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var argument = space < 0 ? "" : line[(space + 1)..];
        switch (verb)
        {
            case "EHLO":
            case "HELO":
                await HeloAsync(verb == "EHLO", argument.Trim(), cancellationToken);
                return true;
            case "MAIL":
                await MailAsync(argument, cancellationToken);
                return true;
            case "RCPT":
                await RcptAsync(argument, cancellationToken);
                return true;
            case "DATA":
                return await DataAsync(argument, cancellationToken);
            case "RSET":
                ResetTransaction();
                await ReplyAsync(argument.Length == 0 ? "250 2.0.0 OK" : "501 5.5.4 Syntax: RSET", cancellationToken);
                return true;
            case "NOOP":
                await ReplyAsync("250 2.0.0 OK", cancellationToken);
                return true;
            case "QUIT":
                await ReplyAsync("221 2.0.0 Bye", cancellationToken);
                return false;
            case "STARTTLS":
                return await StartTlsAsync(argument, cancellationToken);
            default:
                // BDAT lands here too: CHUNKING (RFC 3030) is never advertised.
                await ReplyAsync("500 5.5.2 Command not recognized", cancellationToken);
                return true;
        }
    }

    private async Task HeloAsync(bool extended, string domain, CancellationToken cancellationToken)
    {
        if (domain.Length == 0)
        {
            await ReplyAsync(extended ? "501 5.5.4 Syntax: EHLO domain" : "501 5.5.4 Syntax: HELO domain", cancellationToken);
            return;
        }

        // RFC 5321 §4.1.4: EHLO/HELO in a session resets any transaction in progress.
        ResetTransaction();
        _heloName = domain;
        if (!extended)
        {
            await ReplyAsync($"250 {HostName}", cancellationToken);
            return;
        }

        var options = _sink.Options;
        var lines = new List<string>
        {
            $"{HostName} greets {domain}",
            "PIPELINING",
            options.MaxMessageSize > 0 ? $"SIZE {options.MaxMessageSize}" : "SIZE",
        };
        if (options.EightBitMime)
        {
            lines.InsertRange(2, ["8BITMIME", "SMTPUTF8"]);
        }

        if (options.Tls && !_tls)
        {
            lines.Add("STARTTLS");
        }

        lines.Add("ENHANCEDSTATUSCODES");
        var reply = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            reply.Append(i < lines.Count - 1 ? "250-" : "250 ").Append(lines[i]).Append("\r\n");
        }

        await WriteAsync(reply.ToString(), cancellationToken);
    }

    private async Task MailAsync(string argument, CancellationToken cancellationToken)
    {
        if (_heloName is null)
        {
            await ReplyAsync("503 5.5.1 Bad sequence of commands: send EHLO first", cancellationToken);
            return;
        }

        if (_mailFrom is not null)
        {
            await ReplyAsync("503 5.5.1 Bad sequence of commands: nested MAIL", cancellationToken);
            return;
        }

        if (!TryParsePath(argument, "FROM:", out var reversePath, out var parameters))
        {
            await ReplyAsync("501 5.5.4 Syntax: MAIL FROM:<address> [parameters]", cancellationToken);
            return;
        }

        var options = _sink.Options;
        foreach (var parameter in parameters)
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            var keyword = (equals < 0 ? parameter : parameter[..equals]).ToUpperInvariant();
            var value = equals < 0 ? null : parameter[(equals + 1)..];
            var problem = keyword switch
            {
                // RFC 1870 §6
                "SIZE" when !long.TryParse(value, out var size) || size < 0 => "501 5.5.4 Syntax: SIZE=<octets>",
                "SIZE" when options.MaxMessageSize > 0 && long.Parse(value!) > options.MaxMessageSize =>
                    "552 5.3.4 Message size exceeds fixed maximum message size",
                "SIZE" => null,

                // RFC 6152 §2
                "BODY" when value is not null
                    && (value.Equals("7BIT", StringComparison.OrdinalIgnoreCase) || value.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase)) => null,
                "BODY" => "501 5.5.4 Syntax: BODY=7BIT or BODY=8BITMIME",

                // RFC 6531 §3.4
                "SMTPUTF8" when value is null => null,

                // RFC 5321 §4.1.1.11: a parameter of an extension that was not advertised.
                _ => "555 5.5.4 MAIL FROM parameter not recognized",
            };
            if (problem is not null)
            {
                await ReplyAsync(problem, cancellationToken);
                return;
            }
        }

        var reply = options.MailReply ?? "250 2.1.0 OK";
        if (IsPositive(reply))
        {
            _mailFrom = reversePath;
            _mailParameters = parameters;
        }

        await ReplyAsync(reply, cancellationToken);
    }

    private async Task RcptAsync(string argument, CancellationToken cancellationToken)
    {
        if (_mailFrom is null)
        {
            await ReplyAsync("503 5.5.1 Bad sequence of commands: need MAIL before RCPT", cancellationToken);
            return;
        }

        if (!TryParsePath(argument, "TO:", out var forwardPath, out var parameters) || forwardPath.Length == 0)
        {
            await ReplyAsync("501 5.5.4 Syntax: RCPT TO:<address>", cancellationToken);
            return;
        }

        if (parameters.Length > 0)
        {
            // No extension with RCPT parameters (DSN, RFC 3461) is advertised.
            await ReplyAsync("555 5.5.4 RCPT TO parameter not recognized", cancellationToken);
            return;
        }

        _rcptSeen = true;
        var options = _sink.Options;
        var reply = options.MaxRecipientsPerTransaction > 0 && _recipients.Count >= options.MaxRecipientsPerTransaction
            ? options.TooManyRecipientsReply
            : options.RcptReply?.Invoke(forwardPath) ?? "250 2.1.5 OK";
        if (IsPositive(reply))
        {
            _recipients.Add(forwardPath);
        }

        await ReplyAsync(reply, cancellationToken);
    }

    /// <summary>Returns false when the connection is to be closed (end of stream, <see cref="SmtpSinkOptions.DropAfterData"/>).</summary>
    private async Task<bool> DataAsync(string argument, CancellationToken cancellationToken)
    {
        if (argument.Length > 0)
        {
            await ReplyAsync("501 5.5.4 Syntax: DATA", cancellationToken);
            return true;
        }

        if (_mailFrom is null)
        {
            await ReplyAsync("503 5.5.1 Bad sequence of commands: need MAIL before DATA", cancellationToken);
            return true;
        }

        if (_recipients.Count == 0)
        {
            // RFC 5321 §3.3 allows 503 or 554; this follows Postfix: 503 when RCPT was never sent, 554 when every
            // RCPT was refused (the case a pipelining client meets, RFC 2920 §3.1).
            await ReplyAsync(_rcptSeen ? "554 5.5.1 No valid recipients" : "503 5.5.1 Bad sequence of commands: need RCPT before DATA", cancellationToken);
            return true;
        }

        await ReplyAsync("354 End data with <CR><LF>.<CR><LF>", cancellationToken);
        var options = _sink.Options;
        var maxLine = options.MaxLineLength > 0 ? options.MaxLineLength : int.MaxValue - 1;
        var maxSize = options.MaxMessageSize > 0 ? options.MaxMessageSize : long.MaxValue;
        using var content = new MemoryStream();
        var lineTooLong = false;
        var tooBig = false;

        // The CRLF of the DATA command counts as the line break before the first line (RFC 5321 §4.1.1.4).
        var atLineStart = true;
        while (true)
        {
            // One more octet than the limit for the leading dot that transparency adds (RFC 5321 §4.5.3.1.6).
            var read = await _reader.ReadLineAsync(maxLine + 1, cancellationToken);
            if (read.EndOfStream)
            {
                return false;
            }

            if (read.TooLong)
            {
                lineTooLong = true;
                atLineStart = read.EndsWithCrLf;
                continue;
            }

            var line = read.Bytes.Span;
            var dotted = atLineStart && line.Length > 0 && line[0] == (byte)'.';
            if (dotted && line.SequenceEqual(".\r\n"u8))
            {
                break;
            }

            // RFC 5321 §4.5.2: a leading period is removed.
            var text = dotted ? line[1..] : line;
            if (text.Length > maxLine)
            {
                lineTooLong = true;
            }
            else if (!tooBig && content.Length + text.Length > maxSize)
            {
                tooBig = true;
            }
            else if (!lineTooLong && !tooBig)
            {
                content.Write(text);
            }

            atLineStart = read.EndsWithCrLf;
        }

        var receivedAt = options.TimeProvider.GetUtcNow();
        var message = new SinkMessage(_mailFrom, [.. _recipients], content.ToArray(), _heloName!, _tls, _connectionNumber, receivedAt)
        {
            MailParameters = _mailParameters,
        };
        ResetTransaction();
        if (lineTooLong)
        {
            await ReplyAsync("554 5.6.0 Message contains a line longer than 1000 octets (RFC 5321 §4.5.3.1.6)", cancellationToken);
            return true;
        }

        if (tooBig)
        {
            await ReplyAsync("552 5.3.4 Message size exceeds fixed maximum message size", cancellationToken);
            return true;
        }

        options = _sink.Options;
        if (options.DataDelay > TimeSpan.Zero)
        {
            await Task.Delay(options.DataDelay, options.TimeProvider, cancellationToken);
            options = _sink.Options;
        }

        if (options.DropAfterData)
        {
            return false;
        }

        var reply = options.DataReply?.Invoke(message) ?? "250 2.0.0 OK";
        if (IsPositive(reply))
        {
            // Before the reply: a client that has read 250 must find the message recorded.
            _sink.Record(message);
        }

        await ReplyAsync(reply, cancellationToken);
        return true;
    }

    /// <summary>Returns false when the handshake failed and the connection is to be closed.</summary>
    private async Task<bool> StartTlsAsync(string argument, CancellationToken cancellationToken)
    {
        if (!_sink.Options.Tls)
        {
            await ReplyAsync("502 5.5.1 STARTTLS not offered", cancellationToken);
            return true;
        }

        if (_tls)
        {
            await ReplyAsync("503 5.5.1 TLS already active", cancellationToken);
            return true;
        }

        if (argument.Length > 0)
        {
            await ReplyAsync("501 5.5.4 Syntax: STARTTLS", cancellationToken);
            return true;
        }

        await ReplyAsync("220 2.0.0 Ready to start TLS", cancellationToken);
        _reader.DiscardBufferedInput();
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        _stream = ssl;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HandshakeTimeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificate = _sink.Certificate,
                    ClientCertificateRequired = false,
                    CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                },
                timeout.Token);
        }
        catch (Exception exception) when (exception is AuthenticationException or IOException or OperationCanceledException)
        {
            await ssl.DisposeAsync();
            return false;
        }

        // RFC 3207 §4.2: the session starts over; the client must send EHLO again.
        _reader = new SmtpSinkLineReader(ssl);
        _tls = true;
        _heloName = null;
        ResetTransaction();
        return true;
    }

    private void ResetTransaction()
    {
        _mailFrom = null;
        _mailParameters = [];
        _recipients.Clear();
        _rcptSeen = false;
    }

    private static bool IsPositive(string reply) => reply.Length > 0 && reply[0] == '2';

    /// <summary>
    /// Parses "FROM:&lt;path&gt; params" / "TO:&lt;path&gt; params" (RFC 5321 §4.1.2 Reverse-path, Forward-path,
    /// Mail-parameters). Tolerates spaces after the colon, as many servers do. The path is returned without brackets.
    /// </summary>
    private static bool TryParsePath(string argument, string keyword, out string path, out string[] parameters)
    {
        path = "";
        parameters = [];
        if (!argument.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = argument[keyword.Length..].TrimStart(' ');
        if (rest.Length == 0 || rest[0] != '<')
        {
            return false;
        }

        // '>' may occur inside a quoted local part.
        var close = -1;
        var quoted = false;
        for (var i = 1; i < rest.Length && close < 0; i++)
        {
            switch (rest[i])
            {
                case '\\' when quoted:
                    i++;
                    break;
                case '"':
                    quoted = !quoted;
                    break;
                case '>' when !quoted:
                    close = i;
                    break;
            }
        }

        if (close < 0)
        {
            return false;
        }

        var tail = rest[(close + 1)..];
        if (tail.Length > 0 && tail[0] != ' ')
        {
            return false;
        }

        path = rest[1..close];
        parameters = tail.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return true;
    }

    /// <summary>Sends a reply given as one line, or several separated by LF or CRLF; CRLF is appended to each.</summary>
    private Task ReplyAsync(string reply, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        foreach (var line in reply.TrimEnd('\n', '\r').Split('\n'))
        {
            text.Append(line.TrimEnd('\r')).Append("\r\n");
        }

        return WriteAsync(text.ToString(), cancellationToken);
    }

    private async Task WriteAsync(string text, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await _stream.FlushAsync(cancellationToken);
    }
}
