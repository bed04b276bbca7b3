using System.Text;
using EmailAI.Protocols.Common;
using EmailAI.Storage;
using MimeKit;
using MimeKit.Utils;

namespace EmailAI.Grains.Quarantine;

/// <summary>
/// Reads what the admin API shows of a held message from its own header fields: <c>From:</c> (the decoded field and the
/// first mailbox's addr-spec), <c>Subject:</c> (RFC 2047 words decoded) and <c>Date:</c> (RFC 5322 §3.3, and the
/// obsolete forms MimeKit reads). The fields are written by the sender, so the reading never throws: a field that is
/// missing, malformed or repeated past reason is null, and every text is capped and free of control characters, so a
/// held message cannot make the list huge or forge lines in a log or a terminal.
/// </summary>
public static class QuarantineHeaders
{
    /// <summary>Longest text kept of a field: RFC 5322 §2.1.1's 998-character line, enough for any honest From or Subject.</summary>
    public const int MaxTextLength = 998;

    /// <summary>Longest address kept: RFC 5321 §4.5.3.1.3's 256-octet path less its angle brackets; a longer one is no address we could list.</summary>
    public const int MaxAddressLength = 254;

    /// <summary>Octets of the header block parsed at most: the fields shown come first in any real message, and the parse stays cheap for a huge one.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    /// <summary>Longest Authentication-Results text kept (RFC 8601 fields are folded but unbounded; ours are far shorter).</summary>
    public const int MaxAuthenticationResultsLength = 8 * 1024;

    public static QuarantineMetadata Read(ReadOnlySpan<byte> content, string authenticationResults, bool fromAuthenticated)
    {
        var block = HeaderFields.HeaderBlock(content);
        if (block.Length > MaxHeaderBytes)
        {
            block = block[..MaxHeaderBytes];
        }

        HeaderList headers;
        try
        {
            using var stream = new MemoryStream(block.ToArray(), writable: false);
            headers = HeaderList.Load(ParserOptions.Default, stream);
        }
        catch (Exception ex) when (ex is FormatException or ParseException or ArgumentException)
        {
            headers = [];
        }

        var from = Field(headers, HeaderId.From);
        return new QuarantineMetadata(
            Clean(from, MaxTextLength),
            FromAddress(from),
            Clean(Field(headers, HeaderId.Subject), MaxTextLength),
            Date(Field(headers, HeaderId.Date)),
            Clean(authenticationResults, MaxAuthenticationResultsLength) ?? "",
            fromAuthenticated);
    }

    /// <summary>The first field of that name, decoded; null when absent or undecodable.</summary>
    private static string? Field(HeaderList headers, HeaderId id)
    {
        try
        {
            return headers[id];
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>The addr-spec of the first mailbox of a From field (RFC 5322 §3.6.2), lower-cased domain left to the white list; null when there is none.</summary>
    private static string? FromAddress(string? from)
    {
        if (from is null || !InternetAddressList.TryParse(from, out var list))
        {
            return null;
        }

        var address = list.Mailboxes.FirstOrDefault()?.Address;
        return address is { Length: > 0 and <= MaxAddressLength } && address.Contains('@', StringComparison.Ordinal) && Clean(address, MaxAddressLength) == address
            ? address
            : null;
    }

    private static DateTimeOffset? Date(string? text) =>
        text is not null && DateUtils.TryParse(text, out DateTimeOffset date) ? date : null;

    /// <summary>Unfolded, control characters turned into spaces, trimmed and capped (never inside a surrogate pair); null when nothing is left.</summary>
    private static string? Clean(string? text, int max)
    {
        if (text is null)
        {
            return null;
        }

        var builder = new StringBuilder(Math.Min(text.Length, max));
        foreach (var c in text)
        {
            if (builder.Length >= max)
            {
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        if (builder.Length > 0 && char.IsHighSurrogate(builder[^1]))
        {
            builder.Length--;
        }

        var cleaned = builder.ToString().Trim();
        return cleaned.Length == 0 ? null : cleaned;
    }
}
