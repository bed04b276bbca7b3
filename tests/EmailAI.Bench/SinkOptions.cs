using System.Globalization;

namespace EmailAI.Bench;

/// <summary>Command line of the <c>sink</c> command. <see cref="Parse"/> throws <see cref="ArgumentException"/> on bad input.</summary>
internal sealed class SinkOptions
{
    public const string Usage =
        "usage: EmailAI.Bench sink [--host 127.0.0.1] [--port 2547] [--delay 50] [--status-port 0] [--status-file path]\n" +
        "                          [--max-size 52428800] [--backlog 1024]\n" +
        "  --delay         milliseconds to wait before answering the end of DATA (a slow remote MX)\n" +
        "  --status-port   HTTP on host:port: GET /status prints the status line, GET /reset prints it and zeroes the\n" +
        "                  counters, GET /domains prints one line per recipient domain (0 = off)\n" +
        "  --status-file   rewritten (atomically) with the status line every 100 ms";

    public string Host { get; private set; } = "127.0.0.1";
    public int Port { get; private set; } = 2547;
    public TimeSpan Delay { get; private set; } = TimeSpan.FromMilliseconds(50);
    public int StatusPort { get; private set; }
    public string? StatusFile { get; private set; }
    public long MaxSize { get; private set; } = 50L * 1024 * 1024;
    public int Backlog { get; private set; } = 1024;

    public static SinkOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] != "sink")
        {
            throw new ArgumentException("expected the 'sink' command");
        }

        var options = new SinkOptions();
        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                throw new ArgumentException("options of the sink command:");
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
                case "--delay": options.Delay = TimeSpan.FromMilliseconds(ParseInt(name, value, 0, 3_600_000)); break;
                case "--status-port": options.StatusPort = ParseInt(name, value, 0, 65535); break;
                case "--status-file": options.StatusFile = value; break;
                case "--max-size": options.MaxSize = ParseInt(name, value, 1, int.MaxValue); break;
                case "--backlog": options.Backlog = ParseInt(name, value, 1, 65535); break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }

        return options;
    }

    private static int ParseInt(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max
            ? parsed
            : throw new ArgumentException($"{name} must be an integer in [{min}, {max}], got '{value}'");
}
