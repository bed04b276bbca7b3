using System.Net;
using System.Net.Sockets;
using System.Text;
using EmailAI.Grains.Delivery;
using EmailAI.Protocols.Smtp;
using EmailAI.Protocols.SmtpClient;
using EmailAI.Tests.Delivery;

namespace EmailAI.Tests.Outbound;

/// <summary>
/// <see cref="SmtpDeliveryClient"/> against <see cref="SmtpSink"/> (a pipelining ESMTP server with STARTTLS) and, for
/// what the sink cannot do, a <see cref="ScriptedSmtpServer"/>. Each test asserts what a sender would notice: the
/// bytes that arrived, the MAIL parameters, and the reply each recipient ends up with.
/// </summary>
public sealed class SmtpDeliveryClientTests
{
    private const string HeloName = "client.test";
    private const string Sender = "bob@origin.test";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static readonly SmtpReply Ok = new(250, "2.0.0", "OK");

    private static readonly byte[] DottedContent = Encoding.ASCII.GetBytes(
        "From: bob@origin.test\r\nTo: alice@remote.test\r\nSubject: dots\r\n\r\n" +
        ".\r\n..two\r\n.three\r\nend.\r\n. \r\n");

    // ── Plain delivery ──────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Send_SevenBitContentWithDotLines_RecordedByteExactWithoutBodyParameter()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var client = await ConnectAsync(sink.Port);

        var replies = await client.SendAsync(Sender, ["alice@remote.test"], DottedContent, CancellationToken.None);

        Assert.Equal([Ok], replies);
        var recorded = Assert.Single(sink.Messages);
        Assert.Equal(DottedContent, recorded.Data);
        Assert.Equal(Sender, recorded.MailFrom);
        Assert.Equal(["alice@remote.test"], recorded.Recipients);
        Assert.Equal(HeloName, recorded.HeloName);
        Assert.False(recorded.Tls);
        // The sink announces bare SIZE (no limit) and the content is 7-bit: no parameter at all.
        Assert.Empty(recorded.MailParameters);
        Assert.Empty(sink.SessionErrors);
    }

    [Fact]
    public async Task Send_EightBitContent_MailHasBody8BitMimeAndSize()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { MaxMessageSize = 1_000_000 });
        await using var client = await ConnectAsync(sink.Port);
        var content = Encoding.UTF8.GetBytes("Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nContent-Type: text/plain; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n.ünïcödé after a dot\r\n");

        var replies = await client.SendAsync(Sender, ["alice@remote.test"], content, CancellationToken.None);

        Assert.Equal([Ok], replies);
        var recorded = Assert.Single(sink.Messages);
        Assert.Equal(content, recorded.Data);
        Assert.Equal([$"SIZE={content.Length}", "BODY=8BITMIME"], recorded.MailParameters);
    }

    [Fact]
    public async Task Send_EightBitContentToServerWithout8BitMime_ConvertedToSevenBitWithoutBodyParameter()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { EightBitMime = false });
        await using var client = await ConnectAsync(sink.Port);
        var content = Encoding.UTF8.GetBytes("Subject: plain\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n.ünïcödé after a dot\r\n");

        var replies = await client.SendAsync(Sender, ["alice@remote.test"], content, CancellationToken.None);

        Assert.Equal([Ok], replies);
        var recorded = Assert.Single(sink.Messages);
        Assert.False(SmtpDataEncoding.HasEightBitOctets(recorded.Data));
        Assert.DoesNotContain("BODY=8BITMIME", recorded.MailParameters);
        Assert.Equal("Grüße aus Köln\r\n.ünïcödé after a dot\r\n", Assert.IsType<MimeKit.TextPart>(MimeKit.MimeMessage.Load(new MemoryStream(recorded.Data)).Body).Text.ReplaceLineEndings("\r\n"));
    }

    [Fact]
    public async Task Send_TenThousandOctetLinesAndEightBitToA7BitServerThatRefusesLongLines_AcceptedAndDecodesToTheOriginal()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { EightBitMime = false, MaxLineLength = 1000 });
        await using var client = await ConnectAsync(sink.Port);
        var eightBitLine = string.Concat(Enumerable.Repeat("é", 5_000));
        var longAscii = new string('x', 10_000);
        var content = Encoding.UTF8.GetBytes(
            "Subject: long\r\nX-Long: " + new string('h', 2_000) + "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
            "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + eightBitLine + "\r\n" +
            "--b\r\nContent-Type: text/plain\r\n\r\n" + longAscii + "\r\n--b--\r\n");

        Assert.Equal([Ok], await client.SendAsync(Sender, ["alice@remote.test"], content, CancellationToken.None));

        var recorded = Assert.Single(sink.Messages);
        Assert.False(SmtpDataEncoding.HasEightBitOctets(recorded.Data));
        var parts = Assert.IsType<MimeKit.Multipart>(MimeKit.MimeMessage.Load(new MemoryStream(recorded.Data)).Body).Cast<MimeKit.TextPart>().ToList();
        Assert.Equal(eightBitLine, parts[0].Text.TrimEnd());
        Assert.Equal(longAscii.Length, parts[1].Text.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Length);
    }

    [Fact]
    public async Task Send_EightBitHeaderToServerWithout8BitMime_Refused563AndNothingSent()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { EightBitMime = false });
        await using var client = await ConnectAsync(sink.Port);
        var content = Encoding.UTF8.GetBytes("Subject: Grüße\r\n\r\nbody\r\n");

        var replies = await client.SendAsync(Sender, ["alice@remote.test", "bob@remote.test"], content, CancellationToken.None);

        Assert.All(replies, r => Assert.Equal((554, "5.6.3"), (r.Code, r.EnhancedCode)));
        Assert.Equal(2, replies.Count);
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task Send_SevenBitContentToServerWithout8BitMime_ByteForByte()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { EightBitMime = false });
        await using var client = await ConnectAsync(sink.Port);

        Assert.Equal([Ok], await client.SendAsync(Sender, ["alice@remote.test"], DottedContent, CancellationToken.None));

        Assert.Equal(DottedContent, Assert.Single(sink.Messages).Data);
    }

    [Theory]
    [InlineData("452 4.5.3 Too many recipients", "452 4.5.3 Too many recipients")]
    [InlineData("552 5.5.3 Too many recipients", "452 4.5.3 Too many recipients")]
    public async Task Transact_RcptPast_TheServersLimit_PostponedAsA452(string tooMany, string reported)
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { MaxRecipientsPerTransaction = 1, TooManyRecipientsReply = tooMany });
        await using var client = await ConnectAsync(sink.Port);

        var result = await client.TransactAsync(Sender, ["a@remote.test", "b@remote.test"], DottedContent, CancellationToken.None);

        Assert.Equal([Ok, SmtpReplyOf(reported)], result.Replies);
        Assert.Equal([false, true], result.Postponed);
        Assert.True(result.AnyRecipientAccepted);
    }

    private static SmtpReply SmtpReplyOf(string line) => new(int.Parse(line[..3], System.Globalization.CultureInfo.InvariantCulture), line[4..9], line[10..]);

    [Fact]
    public async Task Send_SevenBitContentToServerWithSizeLimit_SizeButNoBody()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { MaxMessageSize = 1_000_000 });
        await using var client = await ConnectAsync(sink.Port);

        await client.SendAsync(Sender, ["alice@remote.test"], DottedContent, CancellationToken.None);

        Assert.Equal([$"SIZE={DottedContent.Length}"], Assert.Single(sink.Messages).MailParameters);
    }

    [Theory]
    [InlineData("Subject: x\r\n\r\nno final line break", "Subject: x\r\n\r\nno final line break\r\n")]
    [InlineData("", "")]
    [InlineData(".", ".\r\n")]
    public async Task Send_ContentWithoutFinalCrLf_RecordedWithOneAdded(string content, string recorded)
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var client = await ConnectAsync(sink.Port);

        var replies = await client.SendAsync(Sender, ["alice@remote.test"], Encoding.ASCII.GetBytes(content), CancellationToken.None);

        Assert.Equal([Ok], replies);
        Assert.Equal(recorded, Encoding.ASCII.GetString(Assert.Single(sink.Messages).Data));
    }

    [Fact]
    public async Task Send_ContentEndingInBareLf_DeliveredNotTimedOut()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var client = await ConnectAsync(sink.Port);

        var replies = await client.SendAsync(Sender, ["alice@remote.test"], "Subject: x\r\n\r\nends in bare LF\n"u8.ToArray(), CancellationToken.None);

        Assert.Equal([Ok], replies);
        Assert.Equal("Subject: x\r\n\r\nends in bare LF\n\r\n", Encoding.ASCII.GetString(Assert.Single(sink.Messages).Data));
    }

    // ── Per-recipient replies ───────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Send_OneOfThreeRecipientsRefused_RefusedGetsRcptReplyOthersFinal250()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            RcptReply = address => address.StartsWith("nobody@", StringComparison.Ordinal) ? "550 5.1.1 No such user" : null,
        });
        await using var client = await ConnectAsync(sink.Port);

        var replies = await client.SendAsync(Sender, ["alice@remote.test", "nobody@remote.test", "carol@remote.test"], DottedContent, CancellationToken.None);

        Assert.Equal([Ok, new SmtpReply(550, "5.1.1", "No such user"), Ok], replies);
        var recorded = Assert.Single(sink.Messages);
        Assert.Equal(["alice@remote.test", "carol@remote.test"], recorded.Recipients);
        Assert.Equal(DottedContent, recorded.Data);
    }

    [Fact]
    public async Task Send_EveryRecipientRefused_RcptRefusalsNothingRecordedConnectionStillUsable()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            RcptReply = address => address.StartsWith("full@", StringComparison.Ordinal) ? "452 4.2.2 Mailbox full" : "550 5.1.1 No such user",
        });
        await using var client = await ConnectAsync(sink.Port);

        var replies = await client.SendAsync(Sender, ["nobody@remote.test", "full@remote.test"], DottedContent, CancellationToken.None);

        Assert.Equal([new SmtpReply(550, "5.1.1", "No such user"), new SmtpReply(452, "4.2.2", "Mailbox full")], replies);
        Assert.Empty(sink.Messages);

        sink.Options.RcptReply = null;
        var again = await client.SendAsync(Sender, ["alice@remote.test"], DottedContent, CancellationToken.None);

        Assert.Equal([Ok], again);
        var recorded = Assert.Single(sink.Messages);
        Assert.Equal(["alice@remote.test"], recorded.Recipients);
        Assert.Equal(DottedContent, recorded.Data);
        Assert.Equal(1, sink.ConnectionsAccepted);
    }

    [Fact]
    public async Task Send_MailRefused_EveryRecipientGetsTheMailReplyAndConnectionStillUsable()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { MailReply = "550 5.7.1 no" });
        await using var client = await ConnectAsync(sink.Port);

        var replies = await client.SendAsync(Sender, ["alice@remote.test", "carol@remote.test"], DottedContent, CancellationToken.None);

        var refusal = new SmtpReply(550, "5.7.1", "no");
        Assert.Equal([refusal, refusal], replies);
        Assert.Empty(sink.Messages);

        sink.Options.MailReply = null;
        Assert.Equal([Ok], await client.SendAsync(Sender, ["alice@remote.test"], DottedContent, CancellationToken.None));
        Assert.Single(sink.Messages);
    }

    [Fact]
    public async Task Send_FinalReply451_EveryAcceptedRecipientGets451RefusedKeepsItsOwn()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            RcptReply = address => address.StartsWith("nobody@", StringComparison.Ordinal) ? "550 5.1.1 No such user" : null,
            DataReply = _ => "451 4.3.0 Try again later",
        });
        await using var client = await ConnectAsync(sink.Port);

        var replies = await client.SendAsync(Sender, ["alice@remote.test", "nobody@remote.test", "carol@remote.test"], DottedContent, CancellationToken.None);

        var later = new SmtpReply(451, "4.3.0", "Try again later");
        Assert.Equal([later, new SmtpReply(550, "5.1.1", "No such user"), later], replies);
        Assert.Empty(sink.Messages);

        sink.Options.DataReply = null;
        Assert.Equal([Ok, Ok], await client.SendAsync(Sender, ["alice@remote.test", "carol@remote.test"], DottedContent, CancellationToken.None));
        Assert.Single(sink.Messages);
    }

    [Fact]
    public async Task Send_SeveralMessagesOnOneConnection_AllRecordedOnTheSameConnection()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var client = await ConnectAsync(sink.Port);
        var contents = Enumerable.Range(1, 3).Select(i => Encoding.ASCII.GetBytes($"Subject: {i}\r\n\r\n.{i}\r\n")).ToArray();

        foreach (var content in contents)
        {
            Assert.Equal([Ok], await client.SendAsync(Sender, [$"user{content.Length}@remote.test"], content, CancellationToken.None));
        }

        var recorded = sink.Messages;
        Assert.Equal(3, recorded.Count);
        Assert.All(recorded, message => Assert.Equal(recorded[0].ConnectionNumber, message.ConnectionNumber));
        Assert.Equal(contents, recorded.Select(m => m.Data));
        Assert.Equal(1, sink.ConnectionsAccepted);
    }

    // ── Extensions ──────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Send_SmtpUtf8Recipient_MailHasSmtpUtf8AndUnicodePathRecorded()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var client = await ConnectAsync(sink.Port);
        Assert.True(client.Capabilities.SmtpUtf8);

        var replies = await client.SendAsync(Sender, ["änne@bücher.test"], DottedContent, CancellationToken.None);

        Assert.Equal([Ok], replies);
        var recorded = Assert.Single(sink.Messages);
        Assert.Equal("änne@bücher.test", Assert.Single(recorded.Recipients));
        Assert.Contains("SMTPUTF8", recorded.MailParameters);
    }

    [Fact]
    public async Task Send_AsciiAddresses_NoSmtpUtf8Parameter()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var client = await ConnectAsync(sink.Port);

        await client.SendAsync(Sender, ["alice@remote.test"], DottedContent, CancellationToken.None);

        Assert.DoesNotContain("SMTPUTF8", Assert.Single(sink.Messages).MailParameters);
    }

    [Fact]
    public async Task Send_ContentLargerThanAnnouncedSize_552ForEveryRecipientWithoutSending()
    {
        var rcptCommands = 0;
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            MaxMessageSize = 100,
            RcptReply = _ =>
            {
                Interlocked.Increment(ref rcptCommands);
                return null;
            },
        });
        await using var client = await ConnectAsync(sink.Port);
        Assert.Equal(100, client.Capabilities.MaxSize);
        var content = Encoding.ASCII.GetBytes("Subject: big\r\n\r\n" + new string('x', 200) + "\r\n");

        var replies = await client.SendAsync(Sender, ["alice@remote.test", "carol@remote.test"], content, CancellationToken.None);

        Assert.Equal(2, replies.Count);
        Assert.All(replies, reply =>
        {
            Assert.Equal(552, reply.Code);
            Assert.Equal("5.3.4", reply.EnhancedCode);
        });
        Assert.Empty(sink.Messages);
        Assert.Equal(0, Volatile.Read(ref rcptCommands));

        // Exactly the limit is allowed (RFC 1870 §4: "exceeds").
        var fits = Encoding.ASCII.GetBytes("Subject: fits\r\n\r\n" + new string('x', 100 - 19) + "\r\n");
        Assert.Equal(100, fits.Length);
        Assert.Equal([Ok], await client.SendAsync(Sender, ["alice@remote.test"], fits, CancellationToken.None));
        Assert.Equal(["SIZE=100"], Assert.Single(sink.Messages).MailParameters);
    }

    [Theory]
    [InlineData("bob@origin.test\r\nRSET", "alice@remote.test")]
    [InlineData("bob@origin.test", "alice@remote.test>\r\nRCPT TO:<evil@elsewhere.test")]
    [InlineData("bob@origin.test", "alice@remote.test\n")]
    public async Task Send_AddressWithCrOrLf_ArgumentExceptionNothingSentConnectionStillUsable(string sender, string recipient)
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var client = await ConnectAsync(sink.Port);

        await Assert.ThrowsAsync<ArgumentException>(() => client.SendAsync(sender, ["carol@remote.test", recipient], DottedContent, CancellationToken.None));

        Assert.Equal([Ok], await client.SendAsync(Sender, ["alice@remote.test"], DottedContent, CancellationToken.None));
        var recorded = Assert.Single(sink.Messages);
        Assert.Equal(["alice@remote.test"], recorded.Recipients);
    }

    // ── STARTTLS ────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Connect_StartTlsOfferedAndWanted_SessionEncryptedAndRecordedAsTls()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { Tls = true });
        await using var client = await ConnectAsync(sink.Port, tls: true);

        Assert.True(client.IsTls);
        // The capabilities are those of the EHLO after the handshake, where STARTTLS is no longer offered.
        Assert.False(client.Capabilities.StartTls);
        var replies = await client.SendAsync(Sender, ["alice@remote.test"], DottedContent, CancellationToken.None);

        Assert.Equal([Ok], replies);
        var recorded = Assert.Single(sink.Messages);
        Assert.True(recorded.Tls);
        Assert.Equal(HeloName, recorded.HeloName);
        Assert.Equal(DottedContent, recorded.Data);
    }

    [Fact]
    public async Task Connect_StartTlsOfferedButNotWanted_Plaintext()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { Tls = true });
        await using var client = await ConnectAsync(sink.Port, tls: false);

        Assert.False(client.IsTls);
        Assert.True(client.Capabilities.StartTls);
        await client.SendAsync(Sender, ["alice@remote.test"], DottedContent, CancellationToken.None);

        Assert.False(Assert.Single(sink.Messages).Tls);
    }

    [Fact]
    public async Task Connect_TlsWantedButNotOffered_Plaintext()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var client = await ConnectAsync(sink.Port, tls: true);

        Assert.False(client.IsTls);
        await client.SendAsync(Sender, ["alice@remote.test"], DottedContent, CancellationToken.None);

        Assert.False(Assert.Single(sink.Messages).Tls);
    }

    [Fact]
    public async Task Connect_DataAfterStartTlsReplyInSamePacket_ProtocolExceptionAndNoHandshake()
    {
        // RFC 3207 §4.2 and the STARTTLS command-injection attacks (CVE-2011-0411, "NO STARTTLS", 2021): a reply
        // a man in the middle appends to the 220 must not be read as the first reply of the protected session.
        await using var server = ScriptedSmtpServer.Start(async connection =>
        {
            await connection.WriteAsync("220 inject.remote.test ESMTP\r\n");
            await connection.ExpectAsync("EHLO " + HeloName);
            await connection.WriteAsync("250-inject.remote.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
            await connection.ExpectAsync("STARTTLS");
            await connection.WriteAsync("220 go ahead\r\n250 injected\r\n");

            // The client gives up without sending a ClientHello (or anything else).
            Assert.Null(await connection.ReadLineAsync());
        });

        await Assert.ThrowsAsync<SmtpProtocolException>(() => ConnectAsync(server.Port, tls: true));
        await server.Completion.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Connect_StartTlsRefused454_ContinuesInPlaintext()
    {
        await using var server = ScriptedSmtpServer.Start(async connection =>
        {
            await connection.WriteAsync("220 notls.remote.test ESMTP\r\n");
            await connection.ExpectAsync("EHLO " + HeloName);
            await connection.WriteAsync("250-notls.remote.test\r\n250 STARTTLS\r\n");
            await connection.ExpectAsync("STARTTLS");
            await connection.WriteAsync("454 4.7.0 TLS not available due to local problem\r\n");
            await connection.ExpectAsync("QUIT");
            await connection.WriteAsync("221 2.0.0 Bye\r\n");
        });

        await using var client = await ConnectAsync(server.Port, tls: true);

        Assert.False(client.IsTls);
        await client.QuitAsync();
        await server.Completion.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Connect_ServerAnswersHandshakeWithGarbage_TlsHandshakeException()
    {
        await using var server = ScriptedSmtpServer.Start(async connection =>
        {
            await connection.WriteAsync("220 badtls.remote.test ESMTP\r\n");
            await connection.ExpectAsync("EHLO " + HeloName);
            await connection.WriteAsync("250-badtls.remote.test\r\n250 STARTTLS\r\n");
            await connection.ExpectAsync("STARTTLS");
            await connection.WriteAsync("220 2.0.0 Ready to start TLS\r\n");

            // Wait for the ClientHello's first octet, then answer with plaintext instead of a ServerHello.
            var first = new byte[1];
            Assert.Equal(1, await connection.Stream.ReadAsync(first));
            Assert.Equal(0x16, first[0]); // TLS handshake record
            await connection.WriteAsync("500 5.5.1 this is not TLS\r\n");
            connection.Stream.Socket.Shutdown(SocketShutdown.Send);
            try
            {
                while (await connection.Stream.ReadAsync(new byte[1024]) > 0)
                {
                }
            }
            catch (IOException)
            {
                // The client reset the connection instead of closing it: gone either way.
            }
        });

        await Assert.ThrowsAsync<TlsHandshakeException>(() => ConnectAsync(server.Port, tls: true));
        await server.Completion.WaitAsync(Timeout);
    }

    // ── Refusals and failures ───────────────────────────────────────────────────────────────────

    [Theory]
    [InlineData("421 4.3.2 busy", 421, "4.3.2", "busy")]
    [InlineData("554 5.3.2 no service here", 554, "5.3.2", "no service here")]
    public async Task Connect_GreetingNot220_SmtpRejectedExceptionWithTheReply(string greeting, int code, string enhanced, string text)
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { Greeting = greeting });

        var exception = await Assert.ThrowsAsync<SmtpRejectedException>(() => ConnectAsync(sink.Port));

        Assert.Equal(new SmtpReply(code, enhanced, text), exception.Reply);
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task Connect_NothingListening_SocketErrorNotHang()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await Assert.ThrowsAnyAsync<SocketException>(() => ConnectAsync(port));
    }

    [Fact]
    public async Task Send_ServerDropsConnectionAfterData_IOException()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { DropAfterData = true });
        await using var client = await ConnectAsync(sink.Port);

        await Assert.ThrowsAnyAsync<IOException>(() => client.SendAsync(Sender, ["alice@remote.test"], DottedContent, CancellationToken.None));

        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task Send_ServerSlowerThanDataDoneTimeout_TimeoutException()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { DataDelay = TimeSpan.FromMinutes(5) });
        var options = Options();
        options.DataDoneTimeout = TimeSpan.FromSeconds(1);
        await using var client = await ConnectAsync(sink.Port, options: options);

        await Assert.ThrowsAsync<TimeoutException>(() => client.SendAsync(Sender, ["alice@remote.test"], DottedContent, CancellationToken.None));

        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task Send_CallerCancels_OperationCanceledNotTimeout()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { DataDelay = TimeSpan.FromMinutes(5) });
        await using var client = await ConnectAsync(sink.Port);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(Sender, ["alice@remote.test"], DottedContent, cancel.Token));
    }

    [Fact]
    public async Task Quit_AfterDelivery_ServerSessionEnds()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var client = await ConnectAsync(sink.Port);
        await client.SendAsync(Sender, ["alice@remote.test"], DottedContent, CancellationToken.None);

        await client.QuitAsync();

        await sink.WaitForIdleAsync(Timeout);
        Assert.Single(sink.Messages);
        Assert.Empty(sink.SessionErrors);
    }

    [Fact]
    public async Task Quit_ServerAlreadyGone_NoException()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { DropAfterData = true });
        await using var client = await ConnectAsync(sink.Port);
        await Assert.ThrowsAnyAsync<IOException>(() => client.SendAsync(Sender, ["alice@remote.test"], DottedContent, CancellationToken.None));

        await client.QuitAsync();
    }

    // ── A server without EHLO ───────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Connect_ServerRefusesEhlo_FallsBackToHeloAndSendsWithoutExtensions()
    {
        const string content = "Subject: old server\r\n\r\n.dot line\r\nbody\r\n";
        await using var server = ScriptedSmtpServer.Start(async connection =>
        {
            await connection.WriteAsync("220 old.remote.test SMTP\r\n");
            await connection.ExpectAsync("EHLO " + HeloName);
            await connection.WriteAsync("502 5.5.2 Command not recognized\r\n");
            await connection.ExpectAsync("HELO " + HeloName);
            await connection.WriteAsync("250 old.remote.test\r\n");

            // No PIPELINING: each command waits for its reply, so nothing follows MAIL until it is answered.
            await connection.ExpectAsync("MAIL FROM:<" + Sender + ">");
            Assert.Equal(0, connection.Available);
            await connection.WriteAsync("250 ok\r\n");
            await connection.ExpectAsync("RCPT TO:<alice@remote.test>");
            Assert.Equal(0, connection.Available);
            await connection.WriteAsync("250 ok\r\n");
            await connection.ExpectAsync("RCPT TO:<nobody@remote.test>");
            await connection.WriteAsync("550 unknown user\r\n");
            await connection.ExpectAsync("DATA");
            await connection.WriteAsync("354 go ahead\r\n");
            Assert.Equal(content, await connection.ReadDataAsync());
            await connection.WriteAsync("250 accepted\r\n");

            // An address that needs SMTPUTF8 is refused by the client itself: no MAIL for it.
            await connection.ExpectAsync("QUIT");
            await connection.WriteAsync("221 bye\r\n");
        });

        await using var client = await ConnectAsync(server.Port, tls: true);
        Assert.Equal(SmtpServerCapabilities.None, client.Capabilities);
        Assert.Equal("old.remote.test SMTP", client.Greeting);

        var replies = await client.SendAsync(Sender, ["alice@remote.test", "nobody@remote.test"], Encoding.ASCII.GetBytes(content), CancellationToken.None);
        var international = await client.SendAsync(Sender, ["änne@bücher.test"], Encoding.ASCII.GetBytes(content), CancellationToken.None);
        await client.QuitAsync();

        await server.Completion.WaitAsync(Timeout);
        Assert.Equal([new SmtpReply(250, null, "accepted"), new SmtpReply(550, null, "unknown user")], replies);
        var refused = Assert.Single(international);
        Assert.Equal(553, refused.Code);
        Assert.Equal("5.6.7", refused.EnhancedCode);
    }

    [Fact]
    public async Task Send_WithoutPipeliningMailOrEveryRcptRefused_ResetWithoutData()
    {
        await using var server = ScriptedSmtpServer.Start(async connection =>
        {
            await connection.WriteAsync("220 old.remote.test SMTP\r\n");
            await connection.ExpectAsync("EHLO " + HeloName);
            await connection.WriteAsync("502 5.5.2 Command not recognized\r\n");
            await connection.ExpectAsync("HELO " + HeloName);
            await connection.WriteAsync("250 old.remote.test\r\n");

            // MAIL refused: no RCPT follows, the transaction is reset.
            await connection.ExpectAsync("MAIL FROM:<" + Sender + ">");
            await connection.WriteAsync("451 4.7.1 greylisted\r\n");
            await connection.ExpectAsync("RSET");
            await connection.WriteAsync("250 ok\r\n");

            // Every RCPT refused: no DATA, the transaction is reset.
            await connection.ExpectAsync("MAIL FROM:<" + Sender + ">");
            await connection.WriteAsync("250 ok\r\n");
            await connection.ExpectAsync("RCPT TO:<a@remote.test>");
            await connection.WriteAsync("550 5.1.1 no a\r\n");
            await connection.ExpectAsync("RCPT TO:<b@remote.test>");
            await connection.WriteAsync("450 4.2.1 not now b\r\n");
            await connection.ExpectAsync("RSET");
            await connection.WriteAsync("250 ok\r\n");

            await connection.ExpectAsync("QUIT");
            await connection.WriteAsync("221 bye\r\n");
        });
        await using var client = await ConnectAsync(server.Port);

        var mailRefused = await client.SendAsync(Sender, ["a@remote.test", "b@remote.test"], DottedContent, CancellationToken.None);
        var rcptRefused = await client.SendAsync(Sender, ["a@remote.test", "b@remote.test"], DottedContent, CancellationToken.None);
        await client.QuitAsync();

        await server.Completion.WaitAsync(Timeout);
        var greylisted = new SmtpReply(451, "4.7.1", "greylisted");
        Assert.Equal([greylisted, greylisted], mailRefused);
        Assert.Equal([new SmtpReply(550, "5.1.1", "no a"), new SmtpReply(450, "4.2.1", "not now b")], rcptRefused);
    }

    [Fact]
    public async Task Connect_EhloAnswered421AndClosed_SmtpRejectedExceptionWith421()
    {
        await using var server = ScriptedSmtpServer.Start(async connection =>
        {
            await connection.WriteAsync("220 busy.remote.test ESMTP\r\n");
            await connection.ExpectAsync("EHLO " + HeloName);
            await connection.WriteAsync("421 4.7.0 busy.remote.test too many connections from your IP\r\n");
            connection.Stream.Socket.Shutdown(SocketShutdown.Both);
        });

        var exception = await Assert.ThrowsAsync<SmtpRejectedException>(() => ConnectAsync(server.Port));

        Assert.Equal(new SmtpReply(421, "4.7.0", "busy.remote.test too many connections from your IP"), exception.Reply);
        await server.Completion.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Connect_ServerRefusesEhloAndHelo_SmtpRejectedExceptionWithHeloReply()
    {
        await using var server = ScriptedSmtpServer.Start(async connection =>
        {
            await connection.WriteAsync("220 picky.remote.test SMTP\r\n");
            await connection.ExpectAsync("EHLO " + HeloName);
            await connection.WriteAsync("500 what\r\n");
            await connection.ExpectAsync("HELO " + HeloName);
            await connection.WriteAsync("550 5.7.1 go away\r\n");
            Assert.Null(await connection.ReadLineAsync());
        });

        var exception = await Assert.ThrowsAsync<SmtpRejectedException>(() => ConnectAsync(server.Port));

        Assert.Equal(new SmtpReply(550, "5.7.1", "go away"), exception.Reply);
        await server.Completion.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Connect_ServerSendsGarbageGreeting_ProtocolException()
    {
        await using var server = ScriptedSmtpServer.Start(async connection =>
        {
            await connection.WriteAsync("SSH-2.0-OpenSSH_9.6\r\n");
            Assert.Null(await connection.ReadLineAsync());
        });

        await Assert.ThrowsAsync<SmtpProtocolException>(() => ConnectAsync(server.Port));
        await server.Completion.WaitAsync(Timeout);
    }

    private static DeliveryOptions Options() => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(10),
        CommandTimeout = TimeSpan.FromSeconds(10),
        DataDoneTimeout = TimeSpan.FromSeconds(10),
    };

    private static Task<SmtpDeliveryClient> ConnectAsync(int port, bool tls = false, DeliveryOptions? options = null) =>
        SmtpDeliveryClient.ConnectAsync(new DeliveryTarget("127.0.0.1", IPAddress.Loopback, port), HeloName, tls, options ?? Options(), CancellationToken.None);

    [Theory]
    [InlineData("anne@bücher.test", "anne@xn--bcher-kva.test")]
    [InlineData("\"a b\"@bücher.test", "\"a b\"@xn--bcher-kva.test")]
    [InlineData("änne@bücher.test", "änne@xn--bcher-kva.test")]
    [InlineData("anne@example.test", "anne@example.test")]
    [InlineData("", "")]
    public void AsciiDomain_InternationalDomain_SentAsItsALabel(string address, string expected)
    {
        // Without SMTPUTF8 only the domain can be made ASCII; a non-ASCII local part still needs the extension.
        Assert.Equal(expected, SmtpDeliveryClient.AsciiDomain(address));
    }
}
