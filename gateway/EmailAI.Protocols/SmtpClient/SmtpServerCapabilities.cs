using System.Globalization;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Protocols.SmtpClient;

/// <summary>What a remote server announced in its EHLO reply (RFC 5321 §4.1.1.1): one keyword per line after the first.</summary>
public sealed record SmtpServerCapabilities(bool Pipelining, bool EightBitMime, bool SmtpUtf8, bool StartTls, long? MaxSize)
{
    /// <summary>A server that answered HELO, not EHLO: no extensions.</summary>
    public static readonly SmtpServerCapabilities None = new(false, false, false, false, null);

    public static SmtpServerCapabilities FromEhlo(SmtpReply reply)
    {
        var pipelining = false;
        var eightBit = false;
        var utf8 = false;
        var startTls = false;
        long? size = null;
        foreach (var line in reply.Lines.Skip(1))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            switch (parts[0].ToUpperInvariant())
            {
                case "PIPELINING":
                    pipelining = true;
                    break;
                case "8BITMIME":
                    eightBit = true;
                    break;
                case "SMTPUTF8":
                    utf8 = true;
                    break;
                case "STARTTLS":
                    startTls = true;
                    break;
                case "SIZE" when parts.Length > 1 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var max) && max > 0:
                    // RFC 1870 §4: SIZE 0 (or no number) means no fixed limit.
                    size = max;
                    break;
            }
        }

        return new SmtpServerCapabilities(pipelining, eightBit, utf8, startTls, size);
    }
}
