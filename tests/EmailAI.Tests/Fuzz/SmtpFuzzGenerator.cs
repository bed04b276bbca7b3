using System.Text;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// Generates SMTP conversations from the grammar of RFC 5321 and its extensions (EHLO, MAIL and RCPT with
/// parameters, DATA with dot-stuffing, STARTTLS, AUTH PLAIN/LOGIN/SCRAM-SHA-256), loosely in the order a client
/// uses them, and breaks some lines with <see cref="FuzzMutator"/>. Lines are sent one per read or pipelined in
/// batches; faults, waits and TLS handshakes fall between them.
/// </summary>
public static class SmtpFuzzGenerator
{
    private static readonly string[] Senders =
    [
        "<alice@example.com>", "<>", "<someone@sender.example>", "<Alice@Example.COM>", "<\"quoted local\"@example.com>",
        "<@relay.example:someone@sender.example>", "<jörg@example.com>", "<bad address>", "<a@[192.0.2.1]>", "alice@example.com", "<",
    ];

    private static readonly string[] Recipients =
    [
        "<alice@example.com>", "<bob@example.com>", "<nobody@example.com>", "<someone@elsewhere.example>", "<postmaster>",
        "<Postmaster@example.com>", "<jörg@example.com>", "<alice@[192.0.2.1]>", "<>", "<x@y>", "bob@example.com",
    ];

    private static readonly string[] HeloNames = ["client.example", "[192.0.2.10]", "[IPv6:2001:db8::1]", "localhost", "x", "über.example", "a;b(c)", ""];

    // Six faults (SmtpFuzzTarget); waits mostly short, now and then past the 5-minute timeouts.
    private static readonly FuzzScript Script = new(
        6,
        random => TimeSpan.FromSeconds(random.Next(4) == 0 ? random.Next(290, 400) : random.Next(1, 120)),
        512,
        "STARTTLS",
        "QUIT\r\nNOOP\r\nMAIL FROM:<alice@example.com>\r\n");

    public static FuzzCase<SmtpFuzzSetup> Generate(Random random)
    {
        var setup = SmtpFuzzSetup.Generate(random);
        return new FuzzCase<SmtpFuzzSetup>(setup, Script.Generate(random, r => Lines(r, setup)));
    }

    /// <summary>One client action: a command, or several (a whole transaction, an AUTH exchange).</summary>
    private static IEnumerable<string> Lines(Random random, SmtpFuzzSetup setup)
    {
        switch (random.Next(24))
        {
            case 0 or 1 or 2:
                var helo = HeloNames[random.Next(HeloNames.Length)];
                return [(random.Next(4) == 0 ? "HELO " : "EHLO ") + helo];
            case 3 or 4 or 5 or 6:
                return Transaction(random, setup);
            case 7:
                return ["MAIL FROM:" + Sender(random) + MailParameters(random, setup)];
            case 8:
                return ["RCPT TO:" + Recipients[random.Next(Recipients.Length)] + (random.Next(8) == 0 ? " NOTIFY=NEVER" : "")];
            case 9:
                return ["DATA", .. Body(random, setup)];
            case 10 or 11:
                return Auth(random);
            case 12:
                return ["STARTTLS" + (random.Next(8) == 0 ? " now" : "")];
            case 13:
                return [random.Next(4) == 0 ? "RSET x" : "RSET"];
            case 14:
                return [random.Next(2) == 0 ? "NOOP" : "NOOP hello"];
            case 15:
                return [random.Next(2) == 0 ? "VRFY alice" : "VRFY"];
            case 16:
                return [(new[] { "HELP", "EXPN staff", "ETRN example.com", "BDAT 10 LAST", "TURN", "XCLIENT ADDR=1.2.3.4" })[random.Next(6)]];
            case 17:
                return random.Next(6) == 0 ? ["GET / HTTP/1.1", "Host: mx.example.com", ""] : ["QUIT"];
            case 18:
                return [Encoding.Latin1.GetString(FuzzMutator.Garbage(random, 40))];
            case 19:
                return [Sender(random)];
            case 20:
                // Many RCPTs: the recipient limit and its overshoot.
                return ["MAIL FROM:<someone@sender.example>", .. Enumerable.Range(0, random.Next(1, 8)).Select(_ => "RCPT TO:<alice@example.com>")];
            default:
                return ["EHLO client.example", .. Transaction(random, setup)];
        }
    }

    private static string Sender(Random random) => Senders[random.Next(Senders.Length)];

    private static string MailParameters(Random random, SmtpFuzzSetup setup) => random.Next(10) switch
    {
        0 => $" SIZE={setup.MaxMessageSize + random.Next(-1, 2)}",
        1 => " SIZE=99999999999999999999999",
        2 => " BODY=8BITMIME",
        3 => " SMTPUTF8",
        4 => " SIZE=abc",
        5 => " BODY=BINARYMIME",
        6 => " SIZE=10 SIZE=10",
        7 => " FOO=BAR",
        _ => "",
    };

    private static IEnumerable<string> Transaction(Random random, SmtpFuzzSetup setup)
    {
        var submission = setup.Profile is SmtpFuzzProfile.Submission or SmtpFuzzProfile.Submissions;
        var lines = new List<string>();
        if (submission && random.Next(2) == 0)
        {
            lines.AddRange(ValidAuth(random));
        }

        var from = submission || random.Next(3) == 0 ? "<alice@example.com>" : Sender(random);
        lines.Add("MAIL FROM:" + from + (random.Next(4) == 0 ? MailParameters(random, setup) : ""));
        var recipients = random.Next(1, 4);
        for (var i = 0; i < recipients; i++)
        {
            lines.Add("RCPT TO:" + (random.Next(2) == 0 ? "<alice@example.com>" : Recipients[random.Next(Recipients.Length)]));
        }

        lines.Add("DATA");
        lines.AddRange(Body(random, setup));
        return lines;
    }

    /// <summary>Message text and, usually, the final dot; lines that test dot-stuffing, line ends and limits.</summary>
    private static IEnumerable<string> Body(Random random, SmtpFuzzSetup setup)
    {
        var lines = new List<string> { "From: Someone <someone@sender.example>", "Subject: fuzz" };
        if (random.Next(4) == 0)
        {
            lines.AddRange(Enumerable.Range(0, Math.Max(0, setup.MaxReceivedHeaders + random.Next(-1, 3))).Select(i => $"Received: from hop{i}.example"));
        }

        if (random.Next(3) == 0)
        {
            lines.Add("Message-ID: <fuzz@sender.example>");
            lines.Add("Date: Fri, 14 Mar 2025 15:09:26 +0000");
        }

        lines.Add("");
        var count = random.Next(0, 8);
        for (var i = 0; i < count; i++)
        {
            lines.Add(random.Next(14) switch
            {
                0 => "..a stuffed leading dot",
                1 => "..",
                2 => new string('x', 998 + random.Next(-1, 3)),
                3 => new string('y', random.Next(1000, 3000)),
                4 => "bare\nLF inside",
                5 => "bare\rCR inside",
                6 => "smuggled\n.\nMAIL FROM:<evil@example.com>",
                7 => "smuggled\r\n.\rRCPT TO:<evil@example.com>",
                8 => "8-bit: caf\u00e9 \u65e5\u672c",
                9 => "tab\tand\0NUL",
                10 => random.Next(2) == 0 ? ".." + new string('z', 997) : ".",
                11 => new string('m', (int)Math.Min(setup.MaxMessageSize, 20_000)),
                _ => "an ordinary line of text",
            });
        }

        switch (random.Next(12))
        {
            case 0:
                // No final dot: what follows is message text.
                break;
            case 1:
                lines.Add(".\n");
                break;
            case 2:
                lines.Add(". ");
                break;
            default:
                lines.Add(".");
                break;
        }

        return lines;
    }

    private static IEnumerable<string> ValidAuth(Random random) => random.Next(3) switch
    {
        0 => ["AUTH PLAIN " + FuzzCredentials.Plain(FuzzCredentials.User, FuzzCredentials.Password)],
        1 => ["AUTH LOGIN", FuzzCredentials.Base64(FuzzCredentials.User), FuzzCredentials.Base64(FuzzCredentials.Password)],
        _ => ["AUTH SCRAM-SHA-256 " + FuzzCredentials.ScramClientFirst(FuzzCredentials.User), FuzzCredentials.ScramClientFinal(rightProof: true), ""],
    };

    private static IEnumerable<string> Auth(Random random) => random.Next(14) switch
    {
        < 3 => ValidAuth(random),
        3 => ["AUTH PLAIN " + FuzzCredentials.Plain(FuzzCredentials.User, "wrong")],
        4 => ["AUTH PLAIN", random.Next(2) == 0 ? FuzzCredentials.Plain(FuzzCredentials.User, FuzzCredentials.Password) : "*"],
        5 => ["AUTH PLAIN =", "AUTH PLAIN !!notbase64!!"],
        6 => ["AUTH LOGIN " + FuzzCredentials.Base64(FuzzCredentials.User), FuzzCredentials.Base64("wrong")],
        7 => ["AUTH SCRAM-SHA-256", FuzzCredentials.ScramClientFirst(FuzzCredentials.User), FuzzCredentials.ScramClientFinal(rightProof: false), "*"],
        8 => ["AUTH SCRAM-SHA-256 " + FuzzCredentials.ScramClientFirst("nobody@example.com"), FuzzCredentials.ScramClientFinal(rightProof: true), ""],
        9 => ["AUTH SCRAM-SHA-256 " + FuzzCredentials.Base64("n,a=bob,n=alice,r=x")],
        10 => ["AUTH CRAM-MD5"],
        11 => ["AUTH", "AUTH PLAIN a b"],
        12 => ["AUTH PLAIN " + new string('A', random.Next(12_000, 13_000))],
        _ => ["AUTH LOGIN", new string('Q', random.Next(12_280, 12_300))],
    };
}
