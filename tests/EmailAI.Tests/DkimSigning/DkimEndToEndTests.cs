using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EmailAI.Tests.Delivery;
using EmailAI.Tests.EndToEnd;
using EmailAI.Tests.Relay;

namespace EmailAI.Tests.DkimSigning;

/// <summary>
/// DKIM signing against the real server: keys through the admin API (and kept over a restart), relayed mail and a
/// DSN bounce verified by MimeKit over exactly the octets a test SMTP sink received, and no signature without a key.
/// </summary>
public sealed class DkimEndToEndTests
{
    private const string Sender = "user@local.test";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task DkimApi_KeyLifecycle_CreateReplaceImportDeleteAndSurvivesRestart()
    {
        await using var server = await ServerProcess.StartNewAsync();
        await server.ProvisionAsync(Sender);

        using (var created = await PutAsync(server, "local.test", """{"selector":"emailai1","algorithm":"rsa-sha256","keyBits":2048}"""))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var body = await created.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("emailai1", body.GetProperty("selector").GetString());
            Assert.Equal("emailai1._domainkey.local.test", body.GetProperty("dnsName").GetString());
            Assert.StartsWith("v=DKIM1; k=rsa; p=", body.GetProperty("dnsRecord").GetString());
        }

        var first = await server.Admin.GetStringAsync("/api/v1/domains/local.test/dkim");
        Assert.DoesNotContain("PRIVATE", first, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(4, JsonDocument.Parse(first).RootElement.EnumerateObject().Count());

        // A PUT that generates replaces the key; an import of the same PEM twice keeps it.
        using (var replaced = await PutAsync(server, "local.test", """{"selector":"ed1","algorithm":"ed25519-sha256"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
            Assert.StartsWith("v=DKIM1; k=ed25519; p=", (await replaced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("dnsRecord").GetString());
        }

        using var rsa = RSA.Create(1024);
        var import = JsonSerializer.Serialize(new { selector = "imported", privateKeyPem = rsa.ExportRSAPrivateKeyPem() });
        string[] records = new string[2];
        for (var i = 0; i < 2; i++)
        {
            using var imported = await PutAsync(server, "local.test", import);
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
            records[i] = (await imported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("dnsRecord").GetString()!;
        }

        Assert.Equal("v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()), records[0]);
        Assert.Equal(records[0], records[1]);

        await server.StopAsync();
        await server.StartAsync();
        var afterRestart = await server.Admin.GetFromJsonAsync<JsonElement>("/api/v1/domains/local.test/dkim");
        Assert.Equal(records[0], afterRestart.GetProperty("dnsRecord").GetString());

        using (var deleted = await server.Admin.DeleteAsync("/api/v1/domains/local.test/dkim"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var again = await server.Admin.DeleteAsync("/api/v1/domains/local.test/dkim"))
        {
            await AssertProblemAsync(again, HttpStatusCode.NotFound, "no DKIM key");
        }

        using (var gone = await server.Admin.GetAsync("/api/v1/domains/local.test/dkim"))
        {
            await AssertProblemAsync(gone, HttpStatusCode.NotFound, "no DKIM key");
        }

        using (var remote = await PutAsync(server, "remote.example", """{"selector":"s1"}"""))
        {
            await AssertProblemAsync(remote, HttpStatusCode.NotFound, "not a local domain");
        }

        foreach (var (body, reason) in new[]
        {
            ("""{"selector":"s1","algorithm":"rsa-sha1"}""", "algorithm"),
            ("""{"selector":"s1","keyBits":512}""", "keyBits"),
            ("""{"selector":"bad_selector"}""", "selector"),
            ("""{"selector":"s1","privateKeyPem":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}""", "not a readable"),
            ("""{"selector":"s1","keyBits":"many"}""", "malformed JSON"),
        })
        {
            using var refused = await PutAsync(server, "local.test", body);
            await AssertProblemAsync(refused, HttpStatusCode.BadRequest, reason);
        }

        using (var none = await server.Admin.GetAsync("/api/v1/domains/local.test/dkim"))
        {
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        }
    }

    [Fact]
    public async Task RelayedMail_SignedByTheFromDomainOrTheSendersDomain_VerifiesOnWhatTheSinkReceived_NoKeyNoSignature()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var server = await StartAsync(sink);
        await server.ProvisionAsync("plain@plain.test");
        using (var brand = await server.Admin.PutAsync("/api/v1/domains/brand.test", ServerProcess.Json("""{"name":"brand.test","delivery":{"mode":"mailbox"}}""")))
        {
            brand.EnsureSuccessStatusCode();
        }

        var locator = await PublishLocalKeyAsync(server);
        await PublishAsync(server, locator, "brand.test", """{"selector":"ed1","algorithm":"ed25519-sha256"}""");

        var spacing =
            "To: bob@remote.example\r\nto :carol@remote.example,\r\n \t dave@remote.example\r\nSubject:no-space\r\n" +
            "Cc:\r\n folded@remote.example  \r\nDate: Thu, 3 Dec 2026 12:00:00 +0000\r\nMessage-ID:    <id-1@local.test>\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: text/plain;\r\n\tcharset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nX-Trailing: v \t \r\n\r\n" +
            "Gruesse  aus\tKoeln  \r\n" + new string('x', 990) + "\r\n\r\n\r\n";
        await RelayAsync(server, Sender, "From:  User \t<user@local.test>  \r\n" + spacing, "bob@remote.example");
        await RelayAsync(server, Sender, "From: Boss <boss@brand.test>\r\n" + spacing, "bob@remote.example");
        await RelayAsync(server, "plain@plain.test", "From: plain@plain.test\r\n" + spacing, "bob@remote.example");
        var received = await sink.WaitForMessagesAsync(3, Patience);

        var byDomain = received.ToDictionary(m => Encoding.UTF8.GetString(m.Data).Contains("From: Boss", StringComparison.Ordinal) ? "brand" : m.MailFrom);
        foreach (var (name, domain) in new[] { (Sender, "local.test"), ("brand", "brand.test") })
        {
            var data = byDomain[name].Data;
            var field = DkimMessageSignerTests.Field(data);
            Assert.Equal(domain, DkimMessageSignerTests.Tags(field)["d"]);
            Assert.True(await locator.VerifyAsync(data), domain);

            // For 7-bit content with no line over 998 octets the signature is the only change: below it, our Received
            // field and then the message as the client sent it.
            var rest = Encoding.UTF8.GetString(data[Encoding.ASCII.GetByteCount(field)..]);
            Assert.StartsWith("Received: ", rest);
            Assert.EndsWith(spacing, rest);
        }

        Assert.DoesNotContain("DKIM-Signature", Encoding.UTF8.GetString(byDomain["plain@plain.test"].Data), StringComparison.OrdinalIgnoreCase);
        await RelayDeliveryTests.WaitForEmptyQueueAsync(server);
        Assert.Matches("(?m)^emailai_dkim_signatures_total\\{[^}]*result=\"signed\"[^}]*\\} 2( |$)", await server.Admin.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Bounce_ToARemoteSender_SignedWithTheServerDomainsKey()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            RcptReply = address => address.StartsWith("nobody@", StringComparison.Ordinal) ? "550 5.1.1 no such user" : null,
        });
        await using var server = await StartAsync(sink);
        using (var own = await server.Admin.PutAsync("/api/v1/domains/relay.e2e.test", ServerProcess.Json("""{"name":"relay.e2e.test","delivery":{"mode":"mailbox"}}""")))
        {
            own.EnsureSuccessStatusCode();
        }

        var locator = new DkimTestLocator();
        await PublishAsync(server, locator, "relay.e2e.test", """{"selector":"bounces","algorithm":"ed25519-sha256"}""");

        // An authorised machine relays for a remote sender: the message is not ours to sign; the DSN from <> is.
        await RelayAsync(server, "someone@remote.example", "From: someone@remote.example\r\nSubject: to nobody\r\n\r\nbody\r\n", "nobody@remote.example");
        var dsn = Assert.Single(await sink.WaitForMessagesAsync(1, Patience));
        Assert.Equal("", dsn.MailFrom);
        Assert.Equal(["someone@remote.example"], dsn.Recipients);
        var tags = DkimMessageSignerTests.Tags(DkimMessageSignerTests.Field(dsn.Data));
        Assert.Equal("relay.e2e.test", tags["d"]);
        Assert.Equal("bounces", tags["s"]);
        Assert.True(await locator.VerifyAsync(dsn.Data));
        await RelayDeliveryTests.WaitForEmptyQueueAsync(server);
    }

    /// <summary>
    /// Regression (issue 13 review): 8-bit parts were re-encoded, and lines over 998 octets folded, on the way to the
    /// remote server after the message was signed, so its signature broke at a server without 8BITMIME and at every
    /// server for a long line. The signer now signs the message as delivery will send it (RFC 6376 §5.3).
    /// </summary>
    [Fact]
    public async Task EightBitBodyAndLongLines_SentAsReceivedWith8BitMime_ReEncodedAndSignedAgainWithout_BothVerify()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var sevenBit = await SmtpSink.StartAsync(new SmtpSinkOptions { EightBitMime = false });
        await using var server = await StartAsync(sink, new() { ["EmailAI:Delivery:Routes:seven.example"] = $"127.0.0.1:{sevenBit.Port}" });
        var locator = await PublishLocalKeyAsync(server);

        var eightBitLine = string.Concat(Enumerable.Repeat("Wörter ", 100));
        var asciiLine = new string('y', 1500);
        var eightBitParts =
            "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n" + eightBitLine + "\r\n" +
            "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n\u00ff\u00fe binary\r\n";
        var message =
            "From: User <user@local.test>\r\nTo: bob@remote.example, carol@seven.example\r\nSubject: long and 8-bit\r\n" +
            "X-Long: " + new string('h', 1200) + "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
            eightBitParts + "--b\r\nContent-Type: text/plain\r\n\r\n" + asciiLine + "\r\n--b--\r\n";
        await RelayAsync(server, Sender, message, "bob@remote.example", "carol@seven.example");

        var toEightBit = Assert.Single(await sink.WaitForMessagesAsync(1, Patience));
        var toSevenBit = Assert.Single(await sevenBit.WaitForMessagesAsync(1, Patience));
        foreach (var received in new[] { toEightBit.Data, toSevenBit.Data })
        {
            Assert.True(await locator.VerifyAsync(received));
            Assert.False(EmailAI.Protocols.SmtpClient.SmtpDataEncoding.HasLongLines(received));
            Assert.Single(Regex.Matches(Encoding.Latin1.GetString(received), "^DKIM-Signature:", RegexOptions.Multiline));
            Assert.Contains(new string('h', 900), Encoding.Latin1.GetString(received), StringComparison.Ordinal);
        }

        // A server with 8BITMIME gets the 8-bit parts byte for byte as received.
        Assert.Contains(Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(eightBitParts)), Encoding.Latin1.GetString(toEightBit.Data), StringComparison.Ordinal);

        // One without gets them re-encoded, and what a reader sees is still what the user wrote (the CRLF before a
        // boundary belongs to the boundary, RFC 2046 §5.1.1).
        Assert.False(EmailAI.Protocols.SmtpClient.SmtpDataEncoding.HasEightBitOctets(toSevenBit.Data));
        using var parsed = MimeKit.MimeMessage.Load(new MemoryStream(toSevenBit.Data));
        var parts = parsed.BodyParts.OfType<MimeKit.MimePart>().ToList();
        Assert.Equal("Grüße aus Köln\r\n" + eightBitLine, ((MimeKit.TextPart)parts[0]).Text.ReplaceLineEndings("\r\n"));
        using var binary = new MemoryStream();
        parts[1].Content!.DecodeTo(binary);
        Assert.Equal(Encoding.UTF8.GetBytes("\u00ff\u00fe binary"), binary.ToArray());
        await RelayDeliveryTests.WaitForEmptyQueueAsync(server);
    }

    /// <summary>
    /// Attack on the re-signing for servers without 8BITMIME: a copy of one of our signatures, put first on other
    /// 8-bit content, comes in for an Advanced Delivery domain whose internal server has no 8BITMIME. The copy is
    /// re-encoded but must not be signed again — it would leave with a valid signature of ours over the attacker's
    /// content, ready to be replayed anywhere. Today the gateway's Received field on every forwarded copy already keeps
    /// the replayed field from being first, so this test guards the whole path; the check that can fail on its own is
    /// DkimMessageSignerTests.IsOwnSignature_OnlyOurFieldOverTheSameOctets (the signer regenerates the field byte for
    /// byte over the same octets before it renews it).
    /// </summary>
    [Fact]
    public async Task ReplayedSignatureOnOtherContent_ForwardedToAServerWithout8BitMime_NotSignedAgain()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var internalServer = await SmtpSink.StartAsync(new SmtpSinkOptions { EightBitMime = false });

        // The test's catch-all route would win over the forward host (a static route does), so name it here too.
        await using var server = await StartAsync(sink, new() { ["EmailAI:Delivery:Routes:internal.test"] = $"127.0.0.1:{internalServer.Port}" });
        var locator = await PublishLocalKeyAsync(server);
        using (var domain = await server.Admin.PutAsync("/api/v1/domains/internal.test",
            ServerProcess.Json($$$"""{"name":"internal.test","delivery":{"mode":"forward","host":"127.0.0.1","port":{{{internalServer.Port}}},"verifyRecipients":"none"}}""")))
        {
            domain.EnsureSuccessStatusCode();
        }

        const string EightBitBody = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
        await RelayAsync(server, Sender, "From: user@local.test\r\nTo: bob@remote.example\r\nSubject: real\r\n" + EightBitBody + "Grüße\r\n", "bob@remote.example");
        var real = Assert.Single(await sink.WaitForMessagesAsync(1, Patience)).Data;
        Assert.True(await locator.VerifyAsync(real));
        var header = Encoding.Latin1.GetString(real);
        var signature = Regex.Match(header, @"^DKIM-Signature:.*?\r\n(?=\S)", RegexOptions.Multiline | RegexOptions.Singleline).Value;
        Assert.NotEmpty(signature);

        await RelayAsync(server, "x@attacker.example", signature + "From: user@local.test\r\nTo: carol@internal.test\r\nSubject: pay now\r\n" + EightBitBody + "Überweisen Sie\r\n", "carol@internal.test");
        var forwarded = Assert.Single(await internalServer.WaitForMessagesAsync(1, Patience)).Data;
        Assert.False(EmailAI.Protocols.SmtpClient.SmtpDataEncoding.HasEightBitOctets(forwarded));
        Assert.False(await locator.VerifyAsync(forwarded));
        var text = Encoding.Latin1.GetString(forwarded);
        Assert.Single(Regex.Matches(text, "^DKIM-Signature:", RegexOptions.Multiline));
        Assert.Contains(signature, text, StringComparison.Ordinal);
    }

    private static async Task<ServerProcess> StartAsync(SmtpSink sink, Dictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["EmailAI:ServerDomain"] = "relay.e2e.test",
            ["EmailAI:Delivery:MinimalBackoff"] = "00:00:01",
            ["EmailAI:Delivery:MaximalBackoff"] = "00:00:02",
            ["EmailAI:Delivery:QueueScanInterval"] = "00:00:01",
            ["EmailAI:Delivery:Routes:*"] = $"127.0.0.1:{sink.Port}",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        var server = await ServerProcess.StartNewAsync(settings);
        await server.ProvisionAsync(Sender);
        using var relay = await server.Admin.PutAsync("/api/v1/relay", ServerProcess.Json("""{"authorisedIps":["127.0.0.1"]}"""));
        relay.EnsureSuccessStatusCode();
        return server;
    }

    private static Task<HttpResponseMessage> PutAsync(ServerProcess server, string domain, string json) =>
        server.Admin.PutAsync($"/api/v1/domains/{domain}/dkim", ServerProcess.Json(json));

    private static async Task<DkimTestLocator> PublishLocalKeyAsync(ServerProcess server)
    {
        var locator = new DkimTestLocator();
        await PublishAsync(server, locator, "local.test", """{"selector":"emailai1","algorithm":"rsa-sha256","keyBits":2048}""");
        return locator;
    }

    private static async Task PublishAsync(ServerProcess server, DkimTestLocator locator, string domain, string json)
    {
        using var response = await PutAsync(server, domain, json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        locator.Publish(body.GetProperty("dnsName").GetString()!, body.GetProperty("dnsRecord").GetString()!);
    }

    private static async Task RelayAsync(ServerProcess server, string sender, string message, params string[] recipients)
    {
        using var client = await SmtpConversation.ConnectAsync(server);
        Assert.StartsWith("250 2.0.0", await SmtpConversation.TransactAsync(client, sender, recipients, Encoding.UTF8.GetBytes(message + ".\r\n"), " BODY=8BITMIME"));
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
