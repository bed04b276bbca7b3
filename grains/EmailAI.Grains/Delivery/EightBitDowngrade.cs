using EmailAI.Protocols.SmtpClient;
using MimeKit;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// RFC 6152 §3: 8-bit content goes to a server that does not offer 8BITMIME only after conversion to 7 bits,
/// as Postfix does: each MIME leaf part with 8-bit octets gets Content-Transfer-Encoding quoted-printable
/// (text/*) or base64 (anything else). Header fields cannot be converted this way: a message with 8-bit header
/// fields (which needs SMTPUTF8, RFC 6532) cannot be downgraded. Only a message that needs conversion is
/// parsed and rewritten: one without 8-bit octets is never touched here, and the caller sends it byte for byte.
/// The rewrite is MimeKit's: header fields and parts that were not re-encoded are written from their parsed
/// raw form, so they normally keep their bytes, but the message as a whole is not guaranteed byte-exact (a
/// DKIM signature someone else made over a converted body breaks, as it does with Postfix; ours is made again
/// over this conversion's output, see <c>DkimOutboundSigner.DowngradeAsync</c>).
/// </summary>
public static class EightBitDowngrade
{
    private static readonly FormatOptions Wire = new() { NewLineFormat = NewLineFormat.Dos };

    /// <summary>
    /// The content converted to 7 bits, or null when it cannot be (8-bit octets in a header field, or anywhere
    /// MIME gives no transfer encoding to change). Content without 8-bit octets is returned as it is.
    /// </summary>
    public static byte[]? ToSevenBit(ReadOnlyMemory<byte> content)
    {
        var array = content.ToArray();
        if (!SmtpDataEncoding.HasEightBitOctets(array))
        {
            return array;
        }

        MimeMessage message;
        try
        {
            using var input = new MemoryStream(array, writable: false);
            message = MimeMessage.Load(input);
        }
        catch (FormatException)
        {
            return null;
        }

        if (message.Headers.Any(h => SmtpDataEncoding.HasEightBitOctets(h.RawValue) || SmtpDataEncoding.HasEightBitOctets(h.RawField)))
        {
            return null;
        }

        var converted = false;
        foreach (var part in message.BodyParts.OfType<MimePart>())
        {
            if (part.Headers.Any(h => SmtpDataEncoding.HasEightBitOctets(h.RawValue)) || !NeedsEncoding(part))
            {
                continue;
            }

            part.ContentTransferEncoding = part.ContentType.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase)
                ? ContentEncoding.QuotedPrintable
                : ContentEncoding.Base64;
            converted = true;
        }

        if (!converted)
        {
            return null;
        }

        if (message.MimeVersion is null)
        {
            // A transfer encoding means something only in MIME (RFC 2045 §4).
            message.MimeVersion = new Version(1, 0);
        }

        using var output = new MemoryStream(array.Length + array.Length / 3);
        message.WriteTo(Wire, output);
        var result = output.ToArray();
        return SmtpDataEncoding.HasEightBitOctets(result) ? null : result;
    }

    /// <summary>A leaf whose stored body has 8-bit octets (declared 8bit, binary, 7bit or nothing).</summary>
    private static bool NeedsEncoding(MimePart part)
    {
        if (part.Content?.Stream is not { } stream || part.ContentTransferEncoding is ContentEncoding.Base64 or ContentEncoding.QuotedPrintable or ContentEncoding.UUEncode)
        {
            return false;
        }

        using var body = new MemoryStream();
        stream.Position = 0;
        stream.CopyTo(body);
        stream.Position = 0;
        return SmtpDataEncoding.HasEightBitOctets(body.GetBuffer().AsSpan(0, (int)body.Length));
    }
}
