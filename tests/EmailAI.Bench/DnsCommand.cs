using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using EmailAI.Tests.Routing;
using MimeKit;
using MimeKit.Cryptography;

namespace EmailAI.Bench;

/// <summary>
/// <c>dns</c>: a local authoritative DNS server (the test suite's <see cref="FakeDnsServer"/>) holding everything a
/// receiver asks about the bench's sender domain — an SPF record that passes the client, a DKIM key, and a DMARC
/// policy of reject — so the sender-authentication benchmark measures the checks, not a network. It makes a fresh
/// RSA-2048 key, signs the fields and body that every message of the <c>smtp</c> command shares (relaxed/relaxed,
/// RFC 6376), and writes that DKIM-Signature field to <c>OUT/header.txt</c> (for <c>smtp --header-file</c>) and the
/// server's port to <c>OUT/port</c>. <c>--listen</c> binds a fixed address and port instead of an ephemeral port of
/// 127.0.0.1 (port 53 of a loopback address serves resolvers that cannot be given a port). Runs until SIGINT/SIGTERM. Exit code: 0 after a signal, 2 usage.
/// </summary>
internal static class DnsCommand
{
    private const string Usage =
        "usage: EmailAI.Bench dns --out DIR [--from bench@load.test] [--to alice@example.com] [--size 10240] [--client 127.0.0.1] [--selector bench] [--listen IP:PORT]";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>
        {
            ["--from"] = "bench@load.test",
            ["--to"] = "alice@example.com",
            ["--size"] = "10240",
            ["--client"] = "127.0.0.1",
            ["--selector"] = "bench",
            ["--listen"] = "",
        };
        for (var i = 1; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count || (args[i] != "--out" && !values.ContainsKey(args[i])))
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            values[args[i]] = args[++i];
        }

        if (!values.TryGetValue("--out", out var output))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var from = values["--from"];
        var domain = from[(from.LastIndexOf('@') + 1)..];
        var selector = values["--selector"];
        var messages = new MessageFactory(from, values["--to"], int.Parse(values["--size"], CultureInfo.InvariantCulture));

        using var rsa = RSA.Create(2048);
        var signer = new DkimSigner(new MemoryStream(Encoding.ASCII.GetBytes(rsa.ExportRSAPrivateKeyPem())), domain, selector)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            SignatureAlgorithm = DkimSignatureAlgorithm.RsaSha256,
        };
        var sample = MimeMessage.Load(new MemoryStream(messages.SampleMessage()));
        signer.Sign(sample, [HeaderId.From, HeaderId.To, HeaderId.MimeVersion, HeaderId.ContentType]);
        var signature = sample.Headers[sample.Headers.IndexOf(HeaderId.DkimSignature)];
        // MimeKit folds with the platform's line ending (LF here); SMTP wants CRLF (RFC 5321 §2.3.8).
        var folded = Encoding.ASCII.GetString(signature.RawValue).TrimEnd('\r', '\n').ReplaceLineEndings("\r\n");
        var field = "DKIM-Signature:" + folded + "\r\n";

        await using var dns = values["--listen"].Length == 0 ? FakeDnsServer.Start() : FakeDnsServer.Start(IPEndPoint.Parse(values["--listen"]));
        dns.Txt(domain, $"v=spf1 ip4:{values["--client"]} -all")
            .Txt($"{selector}._domainkey.{domain}", "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()))
            .Txt($"_dmarc.{domain}", "v=DMARC1; p=reject; adkim=r; aspf=r")
            .A(domain, values["--client"]);
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "header.txt"), field);
        await File.WriteAllTextAsync(Path.Combine(output, "port"), dns.Port.ToString(CultureInfo.InvariantCulture));
        Console.Error.WriteLine($"dns: serving {domain} (SPF ip4:{values["--client"]} -all, DKIM {selector}, DMARC p=reject) on {(values["--listen"].Length == 0 ? $"127.0.0.1:{dns.Port}" : values["--listen"])}");

        using var stopping = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });
        try
        {
            await Task.Delay(Timeout.Infinite, stopping.Token);
        }
        catch (OperationCanceledException)
        {
        }

        Console.Error.WriteLine($"dns: {dns.QueryCount} queries received");
        foreach (var group in dns.Queries.GroupBy(q => (Name: q.Name.ToLowerInvariant(), q.Type, q.Tcp)).OrderByDescending(g => g.Count()))
        {
            Console.Error.WriteLine($"dns:   {group.Count(),7} {group.Key.Name} {group.Key.Type}{(group.Key.Tcp ? " (TCP)" : "")}");
        }

        return 0;
    }
}
