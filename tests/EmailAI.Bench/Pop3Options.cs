using System.Globalization;

namespace EmailAI.Bench;

/// <summary>Command line of the <c>pop3</c> command. <see cref="Parse"/> throws <see cref="ArgumentException"/> on bad input.</summary>
internal sealed class Pop3Options
{
    public const string Usage =
        "usage: EmailAI.Bench pop3 [--host 127.0.0.1] [--port 1110] [--accounts 16] [--user-format 'user{0}@example.com']\n" +
        "                          [--password bench-password-1] [--messages N] [--label name] [--timeout 30] [--json]\n" +
        "  one session per account (session i logs in as account i); --messages, when given, is the total the\n" +
        "  maildrops must hold (the run fails if STAT reports a different total)";

    public string Host { get; private set; } = "127.0.0.1";
    public int Port { get; private set; } = 1110;
    public int Accounts { get; private set; } = 16;
    public string UserFormat { get; private set; } = "user{0}@example.com";
    public string Password { get; private set; } = "bench-password-1";
    public int? ExpectedMessages { get; private set; }
    public string? Label { get; private set; }
    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(30);
    public bool Json { get; private set; }

    /// <summary>The label printed in the summary line; defaults to host:port.</summary>
    public string EffectiveLabel => Label ?? $"{Host}:{Port}";

    /// <summary>The login name of account <paramref name="index"/> (0-based).</summary>
    public string UserFor(int index) => string.Format(CultureInfo.InvariantCulture, UserFormat, index);

    public static Pop3Options Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] != "pop3")
        {
            throw new ArgumentException("expected the 'pop3' command");
        }
        var options = new Pop3Options();
        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--json")
            {
                options.Json = true;
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
                case "--accounts": options.Accounts = ParseInt(name, value, 1, 10000); break;
                case "--user-format": options.UserFormat = ParseUserFormat(value); break;
                case "--password": options.Password = value; break;
                case "--messages": options.ExpectedMessages = ParseInt(name, value, 0, int.MaxValue); break;
                case "--label": options.Label = value; break;
                case "--timeout": options.Timeout = TimeSpan.FromSeconds(ParseInt(name, value, 1, 3600)); break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }
        return options;
    }

    /// <summary>Distinct sessions must use distinct accounts (a POP3 maildrop is locked per session), so {0} is required.</summary>
    private static string ParseUserFormat(string value)
    {
        string first, second;
        try
        {
            first = string.Format(CultureInfo.InvariantCulture, value, 0);
            second = string.Format(CultureInfo.InvariantCulture, value, 1);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"--user-format is not a valid format string: '{value}'");
        }
        return first != second && !first.Any(char.IsWhiteSpace)
            ? value
            : throw new ArgumentException($"--user-format must contain {{0}} (the account number) and no spaces, got '{value}'");
    }

    private static int ParseInt(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max
            ? parsed
            : throw new ArgumentException($"{name} must be an integer in [{min}, {max}], got '{value}'");
}
