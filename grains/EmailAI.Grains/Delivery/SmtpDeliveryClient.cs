using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using EmailAI.Protocols.Smtp;
using EmailAI.Protocols.SmtpClient;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// One outbound SMTP connection (RFC 5321 client side): greeting, EHLO (HELO if refused), opportunistic
/// STARTTLS, then any number of mail transactions, then QUIT. The message content goes out byte for byte,
/// only dot-stuffed. Parsing is <see cref="SmtpReplyParser"/>'s; this class only moves bytes and applies the
/// timeouts of <see cref="DeliveryOptions"/>. Any I/O error, timeout or protocol violation throws, and the
/// connection is then unusable.
/// </summary>
public sealed class SmtpDeliveryClient : IAsyncDisposable
{
    /// <summary>Bytes of message content written under one timeout.</summary>
    private const int DataChunk = 64 * 1024;

    private readonly TcpClient _tcp;
    private readonly DeliveryOptions _options;
    private readonly SmtpReplyParser _parser = new();
    private Stream _stream;
    private PipeReader _reader;

    private SmtpDeliveryClient(TcpClient tcp, DeliveryOptions options)
    {
        _tcp = tcp;
        _options = options;
        _stream = tcp.GetStream();
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
    }

    public DeliveryTarget Target { get; private set; } = null!;

    public SmtpServerCapabilities Capabilities { get; private set; } = SmtpServerCapabilities.None;

    public bool IsTls { get; private set; }

    /// <summary>True once the connection failed after a transaction's replies were in (an RSET that failed): do not reuse it.</summary>
    public bool IsBroken { get; private set; }

    /// <summary>The server's greeting line, for logs and DSNs.</summary>
    public string Greeting { get; private set; } = "";

    /// <summary>
    /// Connects, reads the greeting, says EHLO and, when <paramref name="tls"/> is true and the server offers it,
    /// starts TLS. A greeting or EHLO/HELO other than 2xx throws <see cref="SmtpRejectedException"/> with the reply.
    /// </summary>
    public static async Task<SmtpDeliveryClient> ConnectAsync(DeliveryTarget target, string heloName, bool tls, DeliveryOptions options, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient(target.Address.AddressFamily) { NoDelay = true };
        try
        {
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connect.CancelAfter(options.ConnectTimeout);
                try
                {
                    await tcp.ConnectAsync(target.Address, target.Port, connect.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"connect to {target} timed out");
                }
            }

            var client = new SmtpDeliveryClient(tcp, options) { Target = target };
            try
            {
                await client.HandshakeAsync(heloName, tls, cancellationToken);
                return client;
            }
            catch
            {
                await client.DisposeAsync();
                throw;
            }
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>
    /// One mail transaction. Returns one reply per recipient, in order: the RCPT reply for a refused recipient,
    /// otherwise the reply that ended the transaction (the one after the content, or the MAIL/DATA refusal).
    /// With PIPELINING, MAIL, every RCPT and DATA go in one write (RFC 2920).
    /// </summary>
    public async Task<IReadOnlyList<SmtpReply>> SendAsync(string sender, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        (await TransactAsync(sender, recipients, content, cancellationToken)).Replies;

    /// <summary>
    /// True when <paramref name="content"/> has 8-bit octets and this server announced neither 8BITMIME nor SMTPUTF8:
    /// <see cref="TransactAsync"/> then sends it re-encoded to 7 bits (RFC 6152 §3), or bounces it when it cannot be.
    /// </summary>
    public bool NeedsSevenBit(ReadOnlySpan<byte> content) =>
        !Capabilities.EightBitMime && !Capabilities.SmtpUtf8 && SmtpDataEncoding.HasEightBitOctets(content);

    /// <summary>
    /// One mail transaction, as <see cref="SendAsync"/>, also telling which recipients the server postponed
    /// (452 or 552 to RCPT: send them in another transaction).
    /// </summary>
    public async Task<SmtpTransactionResult> TransactAsync(string sender, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var eightBit = SmtpDataEncoding.HasEightBitOctets(content.Span);
        if (!Capabilities.SmtpUtf8)
        {
            // Without SMTPUTF8 an internationalised domain still goes, as its A-label (RFC 5890); only a
            // non-ASCII local part cannot (RFC 6531 §3.2).
            sender = AsciiDomain(sender);
            recipients = [.. recipients.Select(AsciiDomain)];
        }

        var utf8 = !Ascii.IsValid(sender) || recipients.Any(r => !Ascii.IsValid(r));
        if (utf8 && !Capabilities.SmtpUtf8)
        {
            return Result(Fill(recipients.Count, new SmtpReply(553, "5.6.7", $"{Target.Host} does not support SMTPUTF8, which these addresses need")));
        }

        if (NeedsSevenBit(content.Span))
        {
            // RFC 6152 §3: a server without 8BITMIME gets 7-bit content; what cannot be converted bounces.
            if (EightBitDowngrade.ToSevenBit(content) is not { } sevenBit)
            {
                return Result(Fill(recipients.Count, new SmtpReply(554, "5.6.3", $"{Target.Host} does not support 8BITMIME or SMTPUTF8, and the message has 8-bit header fields that cannot be converted")));
            }

            content = sevenBit;
            eightBit = false;
        }

        if (Capabilities.MaxSize is { } max && content.Length > max)
        {
            return Result(Fill(recipients.Count, new SmtpReply(552, "5.3.4", $"message of {content.Length} octets exceeds {Target.Host}'s limit of {max}")));
        }

        var mail = new StringBuilder("MAIL FROM:<").Append(sender).Append('>');
        if (Capabilities.MaxSize is not null)
        {
            mail.Append(" SIZE=").Append(content.Length);
        }

        if (eightBit && Capabilities.EightBitMime)
        {
            mail.Append(" BODY=8BITMIME");
        }

        if (utf8)
        {
            mail.Append(" SMTPUTF8");
        }

        var commands = new List<string> { mail.ToString() };
        commands.AddRange(recipients.Select(r => $"RCPT TO:<{r}>"));
        commands.Add("DATA");

        var replies = new SmtpReply[recipients.Count];
        var postponed = new bool[recipients.Count];
        SmtpReply mailReply;
        SmtpReply dataReply;
        var accepted = 0;
        if (Capabilities.Pipelining)
        {
            await WriteLinesAsync(commands, cancellationToken);
            mailReply = await ReadReplyAsync(_options.CommandTimeout, cancellationToken);
            for (var i = 0; i < recipients.Count; i++)
            {
                replies[i] = Postpone(await ReadReplyAsync(_options.CommandTimeout, cancellationToken), postponed, i);
                accepted += mailReply.IsPositive && replies[i].IsPositive ? 1 : 0;
            }

            dataReply = await ReadReplyAsync(_options.CommandTimeout, cancellationToken);
            if (dataReply.Code == 354 && (!mailReply.IsPositive || accepted == 0))
            {
                // The server wants data it should not have asked for: end it empty, nothing is delivered.
                await WriteAsync(Encoding.ASCII.GetBytes(".\r\n"), cancellationToken);
                await ReadReplyAsync(_options.DataDoneTimeout, cancellationToken);
                dataReply = new SmtpReply(554, "5.5.0", "no valid recipients");
            }
        }
        else
        {
            mailReply = await CommandAsync(commands[0], cancellationToken);
            if (!mailReply.IsPositive)
            {
                await TryResetAsync(cancellationToken);
                return Result(Fill(recipients.Count, mailReply));
            }

            for (var i = 0; i < recipients.Count; i++)
            {
                replies[i] = Postpone(await CommandAsync(commands[i + 1], cancellationToken), postponed, i);
                accepted += replies[i].IsPositive ? 1 : 0;
            }

            dataReply = accepted == 0 ? new SmtpReply(554, "5.5.0", "no valid recipients") : await CommandAsync("DATA", cancellationToken);
        }

        if (!mailReply.IsPositive)
        {
            // A pipelined RCPT reply after a refused MAIL means nothing.
            await TryResetAsync(cancellationToken);
            return Result(Fill(recipients.Count, mailReply));
        }

        if (accepted == 0 || dataReply.Code != 354)
        {
            await TryResetAsync(cancellationToken);
            return Result([.. replies.Select(r => r.IsPositive ? dataReply : r)], postponed, accepted > 0);
        }

        var wire = new ArrayBufferWriter<byte>(content.Length + content.Length / 50 + 8);
        SmtpDataEncoding.WriteDotStuffed(content.Span, wire);

        // The timeout is for a stalled transfer, not a slow one: each chunk gets its own, so a large message
        // over a slow link is not cut off (Postfix: smtp_data_xfer_timeout, per write).
        for (var sent = 0; sent < wire.WrittenCount; sent += DataChunk)
        {
            await WriteAsync(wire.WrittenMemory.Slice(sent, Math.Min(DataChunk, wire.WrittenCount - sent)), cancellationToken);
        }

        var final = await ReadReplyAsync(_options.DataDoneTimeout, cancellationToken);
        return Result([.. replies.Select(r => r.IsPositive ? final : r)], postponed, accepted > 0);
    }

    /// <summary>
    /// A recipient callout: <c>MAIL FROM:&lt;&gt;</c>, <c>RCPT TO:&lt;recipient&gt;</c>, <c>RSET</c> (in one write with
    /// PIPELINING, RFC 2920), and no message. Returns the RCPT reply. A refused MAIL says nothing of the recipient and
    /// comes back as 451 4.4.3 with the server's reply in its text; so does an address this server cannot send (a
    /// non-ASCII local part without SMTPUTF8: 553 5.6.7, as delivery would bounce it). The connection stays usable for
    /// the next callout unless <see cref="IsBroken"/> (RSET refused, or a 421 anywhere: the server is closing).
    /// I/O errors, timeouts and protocol violations throw, as for <see cref="TransactAsync"/>.
    /// </summary>
    public async Task<SmtpReply> VerifyRecipientAsync(string recipient, CancellationToken cancellationToken)
    {
        if (!Capabilities.SmtpUtf8)
        {
            recipient = AsciiDomain(recipient);
            if (!Ascii.IsValid(recipient))
            {
                return new SmtpReply(553, "5.6.7", $"{Target.Host} does not support SMTPUTF8, which this address needs");
            }
        }

        var mail = Ascii.IsValid(recipient) ? "MAIL FROM:<>" : "MAIL FROM:<> SMTPUTF8";
        var rcpt = $"RCPT TO:<{recipient}>";
        SmtpReply mailReply;
        SmtpReply rcptReply;
        SmtpReply resetReply;
        if (Capabilities.Pipelining)
        {
            await WriteLinesAsync([mail, rcpt, "RSET"], cancellationToken);
            mailReply = await ReadReplyAsync(_options.CommandTimeout, cancellationToken);
            rcptReply = await ReadReplyAsync(_options.CommandTimeout, cancellationToken);
            resetReply = await ReadReplyAsync(_options.CommandTimeout, cancellationToken);
        }
        else
        {
            mailReply = await CommandAsync(mail, cancellationToken);
            rcptReply = mailReply.IsPositive ? await CommandAsync(rcpt, cancellationToken) : mailReply;
            resetReply = mailReply.Code == 421 || rcptReply.Code == 421 ? rcptReply : await CommandAsync("RSET", cancellationToken);
        }

        IsBroken = !resetReply.IsPositive || mailReply.Code == 421 || rcptReply.Code == 421;
        if (mailReply.Code == 421 || rcptReply.Code == 421)
        {
            // RFC 5321 §3.8: the server is closing the channel; that is no answer about the recipient.
            var closing = mailReply.Code == 421 ? mailReply : rcptReply;
            return new SmtpReply(421, closing.EnhancedCode ?? "4.4.2", $"{Target.Host} is closing the connection: {closing.ToSingleLine()}");
        }

        return mailReply.IsPositive
            ? rcptReply
            : new SmtpReply(451, "4.4.3", $"{Target.Host} refused the null sender: {mailReply.ToSingleLine()}");
    }

    /// <summary>
    /// A RCPT reply of 452 (too many recipients, or no room now) or 552 (RFC 5321 §4.5.3.1.10: to be treated as
    /// 452) marks the recipient postponed; a 552 is reported as 452 with the same text, so it defers and never bounces.
    /// </summary>
    private static SmtpReply Postpone(SmtpReply reply, bool[] postponed, int index)
    {
        if (reply.Code is not (452 or 552))
        {
            return reply;
        }

        postponed[index] = true;
        return reply.Code == 452 ? reply : new SmtpReply(452, reply.EnhancedCode is ['5', .. var rest] ? "4" + rest : "4.5.3", reply.Lines);
    }

    private static SmtpTransactionResult Result(SmtpReply[] replies, bool[]? postponed = null, bool anyAccepted = false) =>
        new(replies, postponed ?? new bool[replies.Length]) { AnyRecipientAccepted = anyAccepted };

    /// <summary>Says QUIT and waits briefly for the answer; errors are ignored, the connection is done either way.</summary>
    public async Task QuitAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await CommandAsync("QUIT", timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or SmtpProtocolException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    /// <summary>The address with its domain as an IDNA A-label; unchanged when that is not possible (it then needs SMTPUTF8).</summary>
    public static string AsciiDomain(string address)
    {
        var at = address.LastIndexOf('@');
        if (at < 0 || Ascii.IsValid(address.AsSpan(at + 1)))
        {
            return address;
        }

        try
        {
            return address[..(at + 1)] + new System.Globalization.IdnMapping().GetAscii(address[(at + 1)..]);
        }
        catch (ArgumentException)
        {
            return address;
        }
    }

    private static SmtpReply[] Fill(int count, SmtpReply reply) => Enumerable.Repeat(reply, count).ToArray();

    private async Task HandshakeAsync(string heloName, bool tls, CancellationToken cancellationToken)
    {
        var greeting = await ReadReplyAsync(_options.CommandTimeout, cancellationToken);
        Greeting = string.Join(" ", greeting.Lines);
        if (greeting.Code != 220)
        {
            throw new SmtpRejectedException("greeting", greeting);
        }

        await HelloAsync(heloName, cancellationToken);
        if (tls && Capabilities.StartTls)
        {
            var reply = await CommandAsync("STARTTLS", cancellationToken);
            if (reply.Code != 220)
            {
                return;
            }

            // RFC 3207 §4.2 (and the STARTTLS injection attacks): nothing the server sent before the
            // handshake may be read as part of the TLS session.
            if (_reader.TryRead(out var pending) && !pending.Buffer.IsEmpty)
            {
                throw new SmtpProtocolException("server sent data after its STARTTLS reply");
            }

            await _reader.CompleteAsync();
            var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                handshake.CancelAfter(_options.CommandTimeout);
                try
                {
                    await ssl.AuthenticateAsClientAsync(
                        new SslClientAuthenticationOptions
                        {
                            TargetHost = IPAddress.TryParse(Target.Host, out _) ? null : Target.Host,
                            // Opportunistic TLS (RFC 7435): encryption against passive listeners, no authentication.
                            RemoteCertificateValidationCallback = (_, _, _, _) => true,
                        },
                        handshake.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    throw new TlsHandshakeException($"TLS handshake with {Target} failed: {ex.Message}", ex);
                }
            }

            _stream = ssl;
            _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
            IsTls = true;
            await HelloAsync(heloName, cancellationToken);
        }
    }

    private async Task HelloAsync(string heloName, CancellationToken cancellationToken)
    {
        var ehlo = await CommandAsync("EHLO " + heloName, cancellationToken);
        if (ehlo.IsPositive)
        {
            Capabilities = SmtpServerCapabilities.FromEhlo(ehlo);
            return;
        }

        if (ehlo.Code is not (500 or 501 or 502))
        {
            // A refusal (421, 554) is the server's answer, not a sign it only speaks HELO: keep its reason.
            throw new SmtpRejectedException("EHLO", ehlo);
        }

        // RFC 5321 §3.2: a server that does not know EHLO gets HELO, and no extensions are used.
        var helo = await CommandAsync("HELO " + heloName, cancellationToken);
        if (!helo.IsPositive)
        {
            throw new SmtpRejectedException("HELO", helo);
        }

        Capabilities = SmtpServerCapabilities.None;
    }

    /// <summary>
    /// RSET after a refused transaction. The refusals already read are the answer; a server that hangs up or
    /// refuses RSET (a 421 after a 5xx is common) only makes the connection unusable.
    /// </summary>
    private async Task TryResetAsync(CancellationToken cancellationToken)
    {
        try
        {
            var reply = await CommandAsync("RSET", cancellationToken);
            IsBroken = !reply.IsPositive;
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or SmtpProtocolException or ObjectDisposedException)
        {
            IsBroken = true;
        }
    }

    private async Task<SmtpReply> CommandAsync(string line, CancellationToken cancellationToken)
    {
        await WriteLinesAsync([line], cancellationToken);
        return await ReadReplyAsync(_options.CommandTimeout, cancellationToken);
    }

    private Task WriteLinesAsync(IEnumerable<string> lines, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            if (line.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                throw new ArgumentException("An SMTP command must not contain CR or LF.", nameof(lines));
            }

            text.Append(line).Append("\r\n");
        }

        return WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken);
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CommandTimeout);
        try
        {
            await _stream.WriteAsync(bytes, timeout.Token);
            await _stream.FlushAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"write to {Target} timed out");
        }
    }

    private async Task<SmtpReply> ReadReplyAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(timeout.Token);
                var buffer = result.Buffer;
                if (_parser.TryParse(ref buffer, out var reply))
                {
                    _reader.AdvanceTo(buffer.Start);
                    return reply;
                }

                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    throw new IOException($"{Target} closed the connection");
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no reply from {Target} within {limit}");
        }
    }
}
