using EmailAI.Contracts;
using EmailAI.Protocols.Smtp;
using MimeKit;

namespace EmailAI.Grains.Authentication.Dmarc;

/// <summary>
/// The RFC5322.From identity of a message (RFC 7489 §6.6.1), read from the exact header bytes MimeKit parsed.
/// <see cref="Address"/> is set only when there is exactly one From field holding exactly one address with a valid
/// domain (RFC 5322 §3.6: one From field; DMARC needs one domain). Otherwise <see cref="Problem"/> says why, and
/// <see cref="Domains"/> lists the distinct valid domains the fields name (at most <see cref="MaxDomains"/>), so a
/// message that doubles its From cannot escape the policy of the domain a reader shows.
/// </summary>
internal sealed record FromField(EmailAddress? Address, IReadOnlyList<string> Domains, string? Problem)
{
    /// <summary>
    /// Domains evaluated for a message with several From addresses (RFC 7489 §6.6.1 lets receivers apply DMARC to
    /// each); each costs up to two DNS lookups, so a field listing hundreds cannot be an amplifier.
    /// </summary>
    public const int MaxDomains = 5;

    public static FromField Read(MimeMessage? message)
    {
        if (message is null)
        {
            return new FromField(null, [], "message could not be parsed");
        }

        var fields = message.Headers.Where(h => h.Id == HeaderId.From).ToList();
        var mailboxes = new List<MailboxAddress>();
        foreach (var field in fields)
        {
            if (InternetAddressList.TryParse(ParserOptions.Default, field.RawValue, out var list))
            {
                mailboxes.AddRange(list.Mailboxes);
            }
        }

        var addresses = mailboxes.Select(ToAddress).ToList();

        // A From that does not parse as the RFC says ("friend@good.test;", "friend@@good.test", a lone NUL) is still
        // shown by many readers as the address it resembles: every domain-looking word after an '@' counts too, so a
        // malformed From cannot slip out of that domain's policy (it is never authenticated either way).
        var domains = addresses.OfType<EmailAddress>().Select(a => a.Domain)
            .Concat(fields.SelectMany(f => DomainsNamedIn(f.RawValue)))
            .Distinct(StringComparer.Ordinal).Take(MaxDomains).ToList();
        if (fields.Count == 0)
        {
            return new FromField(null, [], "no From field");
        }

        if (fields.Count > 1)
        {
            return new FromField(null, domains, $"{fields.Count} From fields");
        }

        if (mailboxes.Count != 1)
        {
            return new FromField(null, domains, mailboxes.Count == 0 ? "no address in From" : $"{mailboxes.Count} addresses in From");
        }

        return addresses[0] is { } address ? new FromField(address, [address.Domain], null) : new FromField(null, domains, "From address is not valid");
    }

    /// <summary>
    /// The valid domains written after an '@' in a raw field value: the word up to the first character no domain has,
    /// trailing dots dropped; a word that is no valid domain ("good_x.good.test") gives its longest valid parent with
    /// at least two labels.
    /// </summary>
    private static IEnumerable<string> DomainsNamedIn(byte[] raw)
    {
        var text = System.Text.Encoding.UTF8.GetString(raw);
        for (var at = text.IndexOf('@'); at >= 0; at = text.IndexOf('@', at + 1))
        {
            var end = at + 1;
            while (end < text.Length && (char.IsLetterOrDigit(text[end]) || text[end] is '.' or '-' or '_'))
            {
                end++;
            }

            var labels = text[(at + 1)..end].Trim('.').Split('.', StringSplitOptions.RemoveEmptyEntries);
            for (var first = 0; first + 2 <= labels.Length; first++)
            {
                if (EmailAddress.TryNormalizeDomain(string.Join('.', labels[first..]), out var domain))
                {
                    yield return domain;
                    break;
                }
            }
        }
    }

    /// <summary>The mailbox in normal form; null when its local part or domain is not one SMTP could carry.</summary>
    private static EmailAddress? ToAddress(MailboxAddress mailbox)
    {
        // MimeKit unquotes the local part; EmailAddress wants it as written on the wire.
        var local = mailbox.LocalPart;
        var wire = SmtpAddressParser.IsDotString(local, utf8: true) ? local : "\"" + local.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        return EmailAddress.TryCreate(wire, mailbox.Domain, out var address) ? address : null;
    }
}
