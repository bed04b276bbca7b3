using System.Globalization;

namespace EmailAI.Bench;

/// <summary>Command line of the <c>smtp</c> command. <see cref="Parse"/> throws <see cref="ArgumentException"/> on bad input.</summary>
internal sealed class BenchOptions
{
    public const string Usage =
        "usage: EmailAI.Bench smtp [--host 127.0.0.1] [--port 2525] [--messages 2000] [--connections 16] [--size 10240]\n" +
        "                          [--from bench@load.test] [--to alice@example.com] [--label name] [--warmup 100]\n" +
        "                          [--timeout 30] [--json] [--to-domains 0] [--times] [--recipients 1] [--rcpt-only]\n" +
        "  --to-domains N   --to contains {d}: message n goes to it with {d} = ((n - 1) mod N) + 1 (round robin)\n" +
        "  --recipients N   N RCPT commands per message, one at a time; {r} in --to is replaced by 1..N\n" +
        "  --rcpt-only      no DATA: MAIL, the RCPTs, RSET; the rate and latencies are of recipient decisions\n" +
        "  --times          also print started_at=/ended_at= (Unix epoch seconds) of the measured run\n" +
        "  --starttls       STARTTLS after EHLO on every connection, then EHLO again (RFC 3207)\n" +
        "  --per-connection N  QUIT and reconnect after every N messages (0: keep the connection)\n" +
        "  --header-file F  header fields (CRLF-terminated) put first in every message, e.g. the dns command's DKIM-Signature\n" +
        "usage: EmailAI.Bench dns ... (a local DNS zone with SPF, DKIM and DMARC for the sender; see 'EmailAI.Bench dns --help')\n" +
        "usage: EmailAI.Bench idle-tls --port P [--sessions 10000] [--hold 30] --server-pid PID [--parallel 32] [--hold 5] [--plain] (open STARTTLS sessions, hold them, read the server's RSS)\n" +
        "usage: EmailAI.Bench sink ... (see 'EmailAI.Bench sink --help')";

    public string Host { get; private set; } = "127.0.0.1";
    public int Port { get; private set; } = 2525;
    public int Messages { get; private set; } = 2000;
    public int Connections { get; private set; } = 16;
    public int Size { get; private set; } = 10240;
    public string From { get; private set; } = "bench@load.test";
    public string To { get; private set; } = "alice@example.com";
    public string? Label { get; private set; }
    public int Warmup { get; private set; } = 100;
    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(30);
    public bool Json { get; private set; }
    public int ToDomains { get; private set; }
    public bool Times { get; private set; }
    public int Recipients { get; private set; } = 1;
    public bool RcptOnly { get; private set; }
    public bool StartTls { get; private set; }
    public int PerConnection { get; private set; }
    public string? HeaderFile { get; private set; }

    /// <summary>The <paramref name="index"/>th (1-based) recipient of a message to <paramref name="recipient"/>: <c>{r}</c> replaced.</summary>
    public static string NthRecipient(string recipient, int index) =>
        recipient.Replace("{r}", index.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>The envelope recipient of message <paramref name="number"/> (1-based): <see cref="To"/>, with <c>{d}</c>
    /// replaced round robin over <see cref="ToDomains"/> when that is set.</summary>
    public string RecipientFor(int number) =>
        ToDomains > 0
            ? To.Replace("{d}", (((number - 1) % ToDomains) + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            : To;

    /// <summary>The label printed in the summary line; defaults to host:port.</summary>
    public string EffectiveLabel => Label ?? $"{Host}:{Port}";

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] != "smtp")
        {
            throw new ArgumentException("the only command is 'smtp'");
        }
        var options = new BenchOptions();
        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--json")
            {
                options.Json = true;
                continue;
            }
            if (name == "--times")
            {
                options.Times = true;
                continue;
            }
            if (name == "--starttls")
            {
                options.StartTls = true;
                continue;
            }
            if (name == "--rcpt-only")
            {
                options.RcptOnly = true;
                continue;
            }
            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value");
            }
            var value = args[++i];
            switch (name)
            {
                case "--host": options.Host = value; break;
                case "--port": options.Port = ParseInt(name, value, 1, 65535); break;
                case "--messages": options.Messages = ParseInt(name, value, 1, int.MaxValue); break;
                case "--connections": options.Connections = ParseInt(name, value, 1, 10000); break;
                case "--size": options.Size = ParseInt(name, value, 1, 100 * 1024 * 1024); break;
                case "--from": options.From = value; break;
                case "--to": options.To = value; break;
                case "--label": options.Label = value; break;
                case "--warmup": options.Warmup = ParseInt(name, value, 0, int.MaxValue); break;
                case "--timeout": options.Timeout = TimeSpan.FromSeconds(ParseInt(name, value, 1, 3600)); break;
                case "--to-domains": options.ToDomains = ParseInt(name, value, 0, 1_000_000); break;
                case "--recipients": options.Recipients = ParseInt(name, value, 1, 100_000); break;
                case "--per-connection": options.PerConnection = ParseInt(name, value, 0, int.MaxValue); break;
                case "--header-file": options.HeaderFile = File.Exists(value) ? value : throw new ArgumentException($"{name}: no file {value}"); break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }
        if (options.ToDomains > 0 && !options.To.Contains("{d}", StringComparison.Ordinal))
        {
            throw new ArgumentException("--to-domains needs a --to with {d}, e.g. --to 'user@d{d}.example'");
        }
        return options;
    }

    private static int ParseInt(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max
            ? parsed
            : throw new ArgumentException($"{name} must be an integer in [{min}, {max}], got '{value}'");
}
