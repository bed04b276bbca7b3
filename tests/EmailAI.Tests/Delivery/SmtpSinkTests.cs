using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

using EmailAI.Tests.EndToEnd;

namespace EmailAI.Tests.Delivery;

/// <summary>
/// The test SMTP server itself: MailKit's <see cref="MailKit.Net.Smtp.SmtpClient"/> for what outbound delivery will do, a raw socket
/// for exact bytes, pipelining and sequence errors. Each test starts its own sink.
/// </summary>
public sealed class SmtpSinkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    // ── MailKit ─────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Send_MailKitMessage_RecordedDataEqualsBytesMimeKitWrites()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { MaxMessageSize = 1_000_000 });
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Bob", "bob@origin.test"));
        message.To.Add(new MailboxAddress("Alice", "alice@remote.test"));
        message.Cc.Add(MailboxAddress.Parse("carol@remote.test"));
        message.Subject = "sink round trip";
        message.MessageId = "sink-1@origin.test";
        message.Date = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        message.Body = new TextPart("plain") { Text = ".a line that starts with a dot\n..two dots\n.\nend\n" };

        using (var client = await ConnectAsync(sink))
        {
            await client.SendAsync(message);
            await client.DisconnectAsync(quit: true);
        }

        var recorded = Assert.Single(sink.Messages);
        Assert.Equal(WrittenByMimeKit(message), recorded.Data);
        Assert.Equal("bob@origin.test", recorded.MailFrom);
        Assert.Equal(["alice@remote.test", "carol@remote.test"], recorded.Recipients);
        Assert.Equal("client.test", recorded.HeloName);
        Assert.False(recorded.Tls);
        Assert.Equal(1, recorded.ConnectionNumber);
        Assert.Contains($"SIZE={recorded.Data.Length}", recorded.MailParameters);
        Assert.Empty(sink.SessionErrors);
    }

    [Fact]
    public async Task Ehlo_MailKit_SeesPipelining8BitMimeSmtpUtf8SizeEnhancedStatusCodesButNotChunking()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { MaxMessageSize = 123_456 });
        using var client = await ConnectAsync(sink);

        var capabilities = client.Capabilities;
        Assert.True(capabilities.HasFlag(SmtpCapabilities.Pipelining), capabilities.ToString());
        Assert.True(capabilities.HasFlag(SmtpCapabilities.EightBitMime), capabilities.ToString());
        Assert.True(capabilities.HasFlag(SmtpCapabilities.UTF8), capabilities.ToString());
        Assert.True(capabilities.HasFlag(SmtpCapabilities.Size), capabilities.ToString());
        Assert.True(capabilities.HasFlag(SmtpCapabilities.EnhancedStatusCodes), capabilities.ToString());
        Assert.False(capabilities.HasFlag(SmtpCapabilities.Chunking), capabilities.ToString());
        Assert.False(capabilities.HasFlag(SmtpCapabilities.BinaryMime), capabilities.ToString());
        Assert.False(capabilities.HasFlag(SmtpCapabilities.StartTLS), capabilities.ToString());
        Assert.Equal(123_456u, client.MaxSize);
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Send_MailKitInternationalAddresses_SmtpUtf8ParameterAndUnicodePathsRecorded()
    {
        await using var sink = await SmtpSink.StartAsync();
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("j\u00f6rg@origin.test"));
        message.To.Add(MailboxAddress.Parse("\u00e4nne@b\u00fccher.test"));
        message.Subject = "Gr\u00fc\u00dfe";
        message.Body = new TextPart("plain") { Text = "Gr\u00fc\u00dfe\n" };

        using (var client = await ConnectAsync(sink))
        {
            await client.SendAsync(message);
            await client.DisconnectAsync(quit: true);
        }

        var recorded = Assert.Single(sink.Messages);
        Assert.Equal("j\u00f6rg@origin.test", recorded.MailFrom);
        Assert.Equal("\u00e4nne@b\u00fccher.test", Assert.Single(recorded.Recipients));
        Assert.Contains("SMTPUTF8", recorded.MailParameters);
    }

    [Fact]
    public async Task Rcpt_HookRejectsOne_OnlyAcceptedRecipientsRecorded()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            RcptReply = address => address.StartsWith("nobody@", StringComparison.Ordinal) ? "550 5.1.1 No such user" : null,
        });
        var message = NewMessage("bob@origin.test", "alice@remote.test", "nobody@remote.test", "carol@remote.test");

        using var client = new TolerantSmtpClient();
        await ConnectAsync(sink, client);
        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);

        var (rejected, status) = Assert.Single(client.Rejected);
        Assert.Equal("nobody@remote.test", rejected);
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, status);
        var recorded = Assert.Single(sink.Messages);
        Assert.Equal(["alice@remote.test", "carol@remote.test"], recorded.Recipients);
    }

    [Fact]
    public async Task Rcpt_HookTemporarilyRejectsAll_DataAnswered554AndNothingRecorded()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { RcptReply = _ => "451 4.3.0 Try later" });
        using var client = await RawSmtpClient.ConnectAsync(sink.Port);
        await client.CommandAsync("EHLO client.test");
        await client.CommandAsync("MAIL FROM:<bob@origin.test>");

        Assert.Equal("451 4.3.0 Try later", await client.CommandAsync("RCPT TO:<alice@remote.test>"));
        Assert.StartsWith("554 5.5.1 ", await client.CommandAsync("DATA"));
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task Rcpt_HookThrows_ConnectionClosedAndExceptionKeptInSessionErrors()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            RcptReply = _ => throw new InvalidOperationException("hook defect"),
        });
        using var client = await RawSmtpClient.ConnectAsync(sink.Port);
        await client.CommandAsync("EHLO client.test");
        await client.CommandAsync("MAIL FROM:<bob@origin.test>");

        await client.SendAsync("RCPT TO:<alice@remote.test>\r\n");

        Assert.Null(await client.ReadLineAsync());
        await sink.WaitForIdleAsync(Timeout);
        var error = Assert.Single(sink.SessionErrors);
        Assert.Equal("hook defect", error.Message);
    }

    [Fact]
    public async Task Data_HookReturns451_ClientSees451NothingRecordedAndConnectionStillUsable()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { DataReply = _ => "451 4.3.0 Try again later" });
        using var client = await ConnectAsync(sink);

        var failure = await Assert.ThrowsAsync<SmtpCommandException>(
            () => client.SendAsync(NewMessage("bob@origin.test", "alice@remote.test")));
        Assert.Equal(SmtpStatusCode.ErrorInProcessing, failure.StatusCode);
        Assert.Contains("Try again later", failure.Message);
        Assert.Empty(sink.Messages);

        // The hook is read per message: clearing it on the running sink makes the next one succeed.
        sink.Options.DataReply = null;
        await client.SendAsync(NewMessage("bob@origin.test", "alice@remote.test"));
        await client.DisconnectAsync(quit: true);
        Assert.Single(sink.Messages);
    }

    [Fact]
    public async Task Data_HookSeesEnvelopeAndContent()
    {
        SinkMessage? seen = null;
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            DataReply = message =>
            {
                seen = message;
                return null;
            },
        });
        using var client = await ConnectAsync(sink);
        await client.SendAsync(NewMessage("bob@origin.test", "alice@remote.test"));
        await client.DisconnectAsync(quit: true);

        Assert.NotNull(seen);
        Assert.Equal(Assert.Single(sink.Messages), seen);
    }

    [Fact]
    public async Task Mail_ReplyOption550_ClientSeesSenderRejectedNothingRecorded()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { MailReply = "550 5.7.1 Sender rejected" });
        using var client = await ConnectAsync(sink);

        var failure = await Assert.ThrowsAsync<SmtpCommandException>(
            () => client.SendAsync(NewMessage("bob@origin.test", "alice@remote.test")));
        Assert.Equal(SmtpErrorCode.SenderNotAccepted, failure.ErrorCode);
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, failure.StatusCode);
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task StartTls_MailKitWithValidationDisabled_SecureAndRecordedWithTls()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { Tls = true });
        using var client = new MailKit.Net.Smtp.SmtpClient
        {
            LocalDomain = "client.test",
            Timeout = (int)Timeout.TotalMilliseconds,
            CheckCertificateRevocation = false,
            ServerCertificateValidationCallback = (_, _, _, _) => true,
        };
        await client.ConnectAsync("127.0.0.1", sink.Port, SecureSocketOptions.StartTls);

        Assert.True(client.IsSecure);
        await client.SendAsync(NewMessage("bob@origin.test", "alice@remote.test"));
        await client.SendAsync(NewMessage("bob@origin.test", "carol@remote.test"));
        await client.DisconnectAsync(quit: true);

        var recorded = sink.Messages;
        Assert.Equal(2, recorded.Count);
        Assert.All(recorded, message => Assert.True(message.Tls));
        Assert.All(recorded, message => Assert.Equal("client.test", message.HeloName));
    }

    [Fact]
    public async Task StartTls_Raw_SessionRestartsAndStartTlsNotOfferedAgain()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { Tls = true });
        using var client = await RawSmtpClient.ConnectAsync(sink.Port);
        Assert.Contains("250-STARTTLS", await client.CommandAsync("EHLO before.test"));
        Assert.StartsWith("220 ", await client.CommandAsync("STARTTLS"));

        await client.UpgradeToTlsAsync();

        // RFC 3207 §4.2: what was said before the handshake is forgotten.
        Assert.StartsWith("503 5.5.1 ", await client.CommandAsync("MAIL FROM:<bob@origin.test>"));
        var ehlo = await client.CommandAsync("EHLO after.test");
        Assert.DoesNotContain("STARTTLS", ehlo);
        Assert.StartsWith("503 5.5.1 ", await client.CommandAsync("STARTTLS"));
        await client.CommandAsync("MAIL FROM:<bob@origin.test>");
        await client.CommandAsync("RCPT TO:<alice@remote.test>");
        Assert.StartsWith("354 ", await client.CommandAsync("DATA"));
        Assert.StartsWith("250 ", await client.CommandAsync("Subject: secret\r\n\r\nhi\r\n."));

        var recorded = Assert.Single(sink.Messages);
        Assert.True(recorded.Tls);
        Assert.Equal("after.test", recorded.HeloName);
    }

    [Fact]
    public async Task StartTls_NotEnabled_Refused502AndNotAdvertised()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(sink.Port);

        Assert.DoesNotContain("STARTTLS", await client.CommandAsync("EHLO client.test"));
        Assert.StartsWith("502 5.5.1 ", await client.CommandAsync("STARTTLS"));
    }

    [Fact]
    public async Task MaxConcurrentConnections_FiveClientsHeldOpen_CountsFive()
    {
        await using var sink = await SmtpSink.StartAsync();
        var clients = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => ConnectAsync(sink)));
        try
        {
            // Each ConnectAsync has read the EHLO reply, so each session is running.
            Assert.Equal(5, sink.CurrentConnections);
            Assert.Equal(5, sink.MaxConcurrentConnections);
            Assert.Equal(5, sink.ConnectionsAccepted);

            foreach (var client in clients)
            {
                await client.DisconnectAsync(quit: true);
            }

            await sink.WaitForIdleAsync(Timeout);
            Assert.Equal(0, sink.CurrentConnections);

            // One at a time afterwards does not raise the maximum.
            using (var late = await ConnectAsync(sink))
            {
                await late.SendAsync(NewMessage("bob@origin.test", "alice@remote.test"));
                await late.DisconnectAsync(quit: true);
            }

            Assert.Equal(5, sink.MaxConcurrentConnections);
            Assert.Equal(6, sink.ConnectionsAccepted);
            Assert.Equal(6, Assert.Single(sink.Messages).ConnectionNumber);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task DataDelay_OneAndAHalfSeconds_ReplyNotSentBeforeTheDelay()
    {
        var delay = TimeSpan.FromSeconds(1.5);
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { DataDelay = delay });
        using var client = await ConnectAsync(sink);

        var clock = Stopwatch.StartNew();
        await client.SendAsync(NewMessage("bob@origin.test", "alice@remote.test"));
        clock.Stop();
        await client.DisconnectAsync(quit: true);

        // Only a lower bound: the machine may be slow, never early.
        Assert.True(clock.Elapsed >= delay - TimeSpan.FromMilliseconds(20), $"answered after {clock.Elapsed}");
        var recorded = Assert.Single(sink.Messages);
        Assert.True(recorded.ReceivedAt <= DateTimeOffset.UtcNow - delay + TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public async Task DataDelay_LongerThanClientTimeout_ClientGivesUpYetSinkRecords()
    {
        // The duplicate-delivery hazard outbound delivery must live with: the remote kept the message, the
        // client never saw the 250 (RFC 5321 §6.1).
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { DataDelay = TimeSpan.FromSeconds(5) });
        using var client = await ConnectAsync(sink);
        client.Timeout = 1500;

        await Assert.ThrowsAnyAsync<Exception>(() => client.SendAsync(NewMessage("bob@origin.test", "alice@remote.test")));

        var recorded = Assert.Single(await sink.WaitForMessagesAsync(1, Timeout));
        Assert.Equal("alice@remote.test", Assert.Single(recorded.Recipients));
    }

    [Fact]
    public async Task DropAfterData_ConnectionClosedWithoutReplyAndNothingRecorded()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { DropAfterData = true });
        using var client = await RawSmtpClient.ConnectAsync(sink.Port);
        await client.CommandAsync("EHLO client.test");
        await client.CommandAsync("MAIL FROM:<bob@origin.test>");
        await client.CommandAsync("RCPT TO:<alice@remote.test>");
        Assert.StartsWith("354 ", await client.CommandAsync("DATA"));

        await client.SendAsync("Subject: lost\r\n\r\nbody\r\n.\r\n");

        Assert.Null(await client.ReadLineAsync());
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task DropAfterData_MailKit_SendFailsAndNothingRecorded()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { DropAfterData = true });
        using var client = await ConnectAsync(sink);

        await Assert.ThrowsAnyAsync<Exception>(() => client.SendAsync(NewMessage("bob@origin.test", "alice@remote.test")));

        Assert.False(client.IsConnected);
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task Greeting421_ClientReadsItThenConnectionClosed()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { Greeting = "421 4.3.2 busy" });
        using var client = await RawSmtpClient.ConnectAsync(sink.Port, readGreeting: false);

        Assert.Equal("421 4.3.2 busy", await client.ReadReplyAsync());
        Assert.Null(await client.ReadLineAsync());

        using var mailKit = new MailKit.Net.Smtp.SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(
            () => mailKit.ConnectAsync("127.0.0.1", sink.Port, SecureSocketOptions.None));
        Assert.Equal(SmtpStatusCode.ServiceNotAvailable, refused.StatusCode);
        Assert.Equal(2, sink.ConnectionsAccepted);
    }

    // ── Raw sockets: exact bytes ────────────────────────────────────────────────────────────────

    [Fact]
    public async Task Data_Raw_DotUnstuffedOtherwiseBytesExact()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(sink.Port);
        await client.CommandAsync("EHLO client.test");
        await client.CommandAsync("MAIL FROM:<>");
        await client.CommandAsync("RCPT TO:<alice@remote.test>");
        Assert.StartsWith("354 ", await client.CommandAsync("DATA"));

        // First line stuffed; "..." stuffed; a bare LF and a bare CR kept; a dot after a bare LF is not at a line
        // start (lines end in CRLF), so it stays; "\r\n.\r\n" ends.
        await client.SendAsync("..first\r\nSubject: x\r\n\r\n...two\r\nbare\nLF\n.kept\rCR\r\n\r\n.\r\n");

        Assert.StartsWith("250 ", await client.ReadReplyAsync());
        var recorded = Assert.Single(sink.Messages);
        Assert.Equal(".first\r\nSubject: x\r\n\r\n..two\r\nbare\nLF\n.kept\rCR\r\n\r\n", Encoding.ASCII.GetString(recorded.Data));
        Assert.Equal("", recorded.MailFrom);
    }

    [Fact]
    public async Task Data_Raw_EmptyBodyRecordedAsNoOctets()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(sink.Port);
        await client.CommandAsync("HELO client.test");
        await client.CommandAsync("MAIL FROM:<bob@origin.test>");
        await client.CommandAsync("RCPT TO:<alice@remote.test>");
        await client.CommandAsync("DATA");

        Assert.StartsWith("250 ", await client.CommandAsync("."));

        var recorded = Assert.Single(sink.Messages);
        Assert.Empty(recorded.Data);
        Assert.Equal("client.test", recorded.HeloName);
    }

    [Fact]
    public async Task Data_Raw_BinaryAndUtf8OctetsKept()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(sink.Port);
        await client.CommandAsync("EHLO client.test");
        await client.CommandAsync("MAIL FROM:<bob@origin.test> BODY=8BITMIME");
        await client.CommandAsync("RCPT TO:<alice@remote.test>");
        await client.CommandAsync("DATA");
        byte[] body = [.. "Subject: 8bit\r\n\r\n"u8, 0xC3, 0xA4, 0xFF, 0x00, 0x80, (byte)'\r', (byte)'\n'];

        await client.SendAsync([.. body, .. ".\r\n"u8]);

        Assert.StartsWith("250 ", await client.ReadReplyAsync());
        Assert.Equal(body, Assert.Single(sink.Messages).Data);
    }

    [Fact]
    public async Task Data_Raw_LineOf1000OctetsAcceptedLineOf1001Rejected554()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(sink.Port);
        await client.CommandAsync("EHLO client.test");
        var longest = new string('a', 998);

        // 998 + CRLF, and with a stuffed dot one octet more, are within RFC 5321 §4.5.3.1.6.
        Assert.StartsWith("250 ", await SendRawMessageAsync(client, $"{longest}\r\n.{longest[1..]}x\r\n"));
        Assert.StartsWith("554 5.6.0 ", await SendRawMessageAsync(client, $"{longest}a\r\nafter\r\n"));

        var recorded = Assert.Single(sink.Messages);
        Assert.Equal($"{longest}\r\n{longest[1..]}x\r\n", Encoding.ASCII.GetString(recorded.Data));
    }

    [Fact]
    public async Task MaxMessageSize_SizeParameterOrContentOver_552AndNotRecorded()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { MaxMessageSize = 100 });
        using var client = await RawSmtpClient.ConnectAsync(sink.Port);
        Assert.Contains("250-SIZE 100", await client.CommandAsync("EHLO client.test"));

        Assert.StartsWith("552 5.3.4 ", await client.CommandAsync("MAIL FROM:<bob@origin.test> SIZE=101"));
        Assert.StartsWith("552 5.3.4 ", await SendRawMessageAsync(client, new string('x', 99) + "\r\n"));
        Assert.StartsWith("250 ", await SendRawMessageAsync(client, new string('x', 98) + "\r\n"));

        Assert.Equal(100, Assert.Single(sink.Messages).Data.Length);
    }

    [Fact]
    public async Task Commands_OutOfSequenceOrUnknown_503And500()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(sink.Port);

        Assert.StartsWith("503 5.5.1 ", await client.CommandAsync("MAIL FROM:<bob@origin.test>"));
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        Assert.StartsWith("503 5.5.1 ", await client.CommandAsync("RCPT TO:<alice@remote.test>"));
        Assert.StartsWith("503 5.5.1 ", await client.CommandAsync("DATA"));
        Assert.StartsWith("250 ", await client.CommandAsync("MAIL FROM:<bob@origin.test>"));
        Assert.StartsWith("503 5.5.1 ", await client.CommandAsync("MAIL FROM:<bob@origin.test>"));
        Assert.StartsWith("503 5.5.1 ", await client.CommandAsync("DATA"));
        Assert.StartsWith("500 5.5.2 ", await client.CommandAsync("BDAT 10 LAST"));
        Assert.StartsWith("500 5.5.2 ", await client.CommandAsync("FROB"));
        Assert.StartsWith("501 5.5.4 ", await client.CommandAsync("RCPT TO:alice@remote.test"));
        Assert.StartsWith("555 5.5.4 ", await client.CommandAsync("RCPT TO:<alice@remote.test> NOTIFY=NEVER"));
        Assert.StartsWith("250 ", await client.CommandAsync("RSET"));
        Assert.StartsWith("503 5.5.1 ", await client.CommandAsync("RCPT TO:<alice@remote.test>"));
        Assert.StartsWith("250 ", await client.CommandAsync("NOOP"));
        Assert.StartsWith("500 5.5.6 ", await client.CommandAsync("NOOP " + new string('x', 5000)));
        Assert.StartsWith("221 ", await client.CommandAsync("QUIT"));
        Assert.Null(await client.ReadLineAsync());
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task Pipelining_MailRcptRcptDataInOneWrite_RepliesInOrderAndRecorded()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            RcptReply = address => address == "nobody@remote.test" ? "550 5.1.1 No such user" : null,
        });
        using var client = await RawSmtpClient.ConnectAsync(sink.Port);
        await client.CommandAsync("EHLO client.test");

        await client.SendAsync(
            "MAIL FROM:<bob@origin.test> BODY=8BITMIME SMTPUTF8 SIZE=20\r\n" +
            "RCPT TO:<alice@remote.test>\r\n" +
            "RCPT TO:<nobody@remote.test>\r\n" +
            "DATA\r\n");

        Assert.StartsWith("250 2.1.0 ", await client.ReadReplyAsync());
        Assert.StartsWith("250 2.1.5 ", await client.ReadReplyAsync());
        Assert.StartsWith("550 5.1.1 ", await client.ReadReplyAsync());
        Assert.StartsWith("354 ", await client.ReadReplyAsync());
        Assert.StartsWith("250 2.0.0 ", await client.CommandAsync("Subject: p\r\n\r\nbody\r\n."));
        var recorded = Assert.Single(sink.Messages);
        Assert.Equal(["alice@remote.test"], recorded.Recipients);
        Assert.Equal(["BODY=8BITMIME", "SMTPUTF8", "SIZE=20"], recorded.MailParameters);
        Assert.Equal("Subject: p\r\n\r\nbody\r\n", Encoding.ASCII.GetString(recorded.Data));
    }

    [Fact]
    public async Task Pipelining_TwoWholeTransactionsAndQuitInOneWrite_BothRecordedInOrder()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(sink.Port);

        await client.SendAsync(
            "EHLO client.test\r\n" +
            "MAIL FROM:<bob@origin.test>\r\nRCPT TO:<alice@remote.test>\r\nDATA\r\nSubject: one\r\n\r\n.1\r\n.\r\n" +
            "MAIL FROM:<bob@origin.test>\r\nRCPT TO:<carol@remote.test>\r\nDATA\r\nSubject: two\r\n\r\n2\r\n.\r\n" +
            "QUIT\r\n");

        var replies = new List<string>();
        while (await client.ReadLineAsync() is { } line)
        {
            if (line.Length < 4 || line[3] != '-')
            {
                replies.Add(line[..3]);
            }
        }

        Assert.Equal(["250", "250", "250", "354", "250", "250", "250", "354", "250", "221"], replies);
        var recorded = await sink.WaitForMessagesAsync(2, Timeout);
        Assert.Equal("Subject: one\r\n\r\n1\r\n", Encoding.ASCII.GetString(recorded[0].Data));
        Assert.Equal("Subject: two\r\n\r\n2\r\n", Encoding.ASCII.GetString(recorded[1].Data));
        Assert.Equal(["alice@remote.test"], recorded[0].Recipients);
        Assert.Equal(["carol@remote.test"], recorded[1].Recipients);
        Assert.All(recorded, message => Assert.Equal(1, message.ConnectionNumber));
    }

    // ── Waiting and shutdown ────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task WaitForMessages_NoneArrive_TimeoutExceptionSaysWhatWasSeen()
    {
        await using var sink = await SmtpSink.StartAsync();

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => sink.WaitForMessagesAsync(1, TimeSpan.FromMilliseconds(200)));

        Assert.Contains("Expected 1 message(s)", timeout.Message);
        Assert.Contains("recorded 0", timeout.Message);
    }

    [Fact]
    public async Task WaitForMessages_MessageArrivesLater_Completes()
    {
        await using var sink = await SmtpSink.StartAsync();
        var waiting = sink.WaitForMessagesAsync(1, Timeout);
        Assert.False(waiting.IsCompleted);

        using (var client = await ConnectAsync(sink))
        {
            await client.SendAsync(NewMessage("bob@origin.test", "alice@remote.test"));
            await client.DisconnectAsync(quit: true);
        }

        Assert.Single(await waiting);
    }

    [Fact]
    public async Task Dispose_OpenConnection_ClosedAndPortNoLongerListening()
    {
        var sink = await SmtpSink.StartAsync();
        var port = sink.Port;
        using var client = await RawSmtpClient.ConnectAsync(port);
        await client.CommandAsync("EHLO client.test");

        await sink.DisposeAsync();

        Assert.Null(await client.ReadLineAsync());
        Assert.Equal(0, sink.CurrentConnections);
        using var refused = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => refused.ConnectAsync("127.0.0.1", port));
        await sink.DisposeAsync();
    }

    // ── Helpers ─────────────────────────────────────────────────────────────────────────────────

    private static async Task<MailKit.Net.Smtp.SmtpClient> ConnectAsync(SmtpSink sink, MailKit.Net.Smtp.SmtpClient? client = null)
    {
        client ??= new MailKit.Net.Smtp.SmtpClient();
        client.LocalDomain = "client.test";
        client.Timeout = (int)Timeout.TotalMilliseconds;
        await client.ConnectAsync("127.0.0.1", sink.Port, SecureSocketOptions.None);
        return client;
    }

    private static MimeMessage NewMessage(string from, params string[] to)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        foreach (var address in to)
        {
            message.To.Add(MailboxAddress.Parse(address));
        }

        message.Subject = "test";
        message.Body = new TextPart("plain") { Text = "hello\n" };
        return message;
    }

    /// <summary>The octets MailKit puts between DATA and the final "." (before dot-stuffing).</summary>
    private static byte[] WrittenByMimeKit(MimeMessage message)
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.EnsureNewLine = true;
        format.HiddenHeaders.Add(HeaderId.Bcc);
        format.HiddenHeaders.Add(HeaderId.ResentBcc);
        using var stream = new MemoryStream();
        message.WriteTo(format, stream);
        return stream.ToArray();
    }

    /// <summary>MAIL, RCPT, DATA, the given content, the end marker; returns the reply to the end of data.</summary>
    private static async Task<string> SendRawMessageAsync(RawSmtpClient client, string content)
    {
        Assert.StartsWith("250 ", await client.CommandAsync("MAIL FROM:<bob@origin.test>"));
        Assert.StartsWith("250 ", await client.CommandAsync("RCPT TO:<alice@remote.test>"));
        Assert.StartsWith("354 ", await client.CommandAsync("DATA"));
        await client.SendAsync(content + ".\r\n");
        return await client.ReadReplyAsync();
    }

    /// <summary>Collects refused recipients instead of failing the whole send, as outbound delivery must.</summary>
    private sealed class TolerantSmtpClient : MailKit.Net.Smtp.SmtpClient
    {
        public List<(string Address, SmtpStatusCode Status)> Rejected { get; } = [];

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            Rejected.Add((mailbox.Address, response.StatusCode));
    }
}
