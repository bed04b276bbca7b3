using EmailAI.Contracts;
using System.Globalization;
using System.Text;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.SmtpClient;
using MimeKit;
using MimeKit.Utils;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// Delivery status notifications (RFC 3464) in a multipart/report (RFC 6522): a text part for people, the
/// machine-readable message/delivery-status, and the original message's headers (text/rfc822-headers, as
/// Postfix sends by default; the body is never returned), at most <c>maxHeaderBytes</c> of them, cut before the
/// first field that would not fit whole (<see cref="DeliveryOptions.MaxDsnHeaderBytes"/>): whatever a sender put in
/// its header block, a bounce to a forged sender carries a bounded amount of it. Sent from MAILER-DAEMON with the
/// null sender, marked Auto-Submitted (RFC 3834) so auto-responders stay quiet.
/// </summary>
/// <remarks>
/// Issue 13 seam: a DSN must not be sent at all for mail that arrived with an SPF or DMARC failure (its sender is
/// likely forged). That decision belongs where the notifier decides to send (<c>DeliveryNotifier.BounceAsync</c>),
/// from the authentication results recorded at receipt; this builder does not know them.
/// </remarks>
public static class DsnBuilder
{
    /// <summary>
    /// Builds the DSN for <paramref name="recipients"/> of one message. <paramref name="delayed"/> makes it a delay
    /// warning (Action: delayed). <paramref name="maxHeaderBytes"/> bounds the returned header block.
    /// </summary>
    public static byte[] Build(
        string reportingMta,
        QueuedRecipient message,
        ReadOnlySpan<byte> originalContent,
        IReadOnlyList<DsnRecipient> recipients,
        bool delayed,
        DateTimeOffset now,
        DateTimeOffset willRetryUntil,
        int maxHeaderBytes = 64 * 1024)
    {
        var headerBlock = HeaderFields.HeaderBlock(originalContent);
        var headers = HeaderExcerpt(headerBlock, maxHeaderBytes);
        var dsn = new MimeMessage();
        dsn.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + reportingMta));
        dsn.To.Add(MailboxAddress.TryParse(ParserOptions.Default, message.Sender, out var sender) ? sender : new MailboxAddress("", message.Sender));
        dsn.Subject = delayed ? "Delayed Mail (still being retried)" : "Undelivered Mail Returned to Sender";
        dsn.Date = now;
        dsn.MessageId = MimeUtils.GenerateMessageId(reportingMta);
        dsn.Headers.Add("Auto-Submitted", "auto-replied");

        var report = new MultipartReport("delivery-status");
        var text = HumanText(reportingMta, message, recipients, delayed, willRetryUntil);
        if (headers.Length < headerBlock.Length)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"\r\nThe headers of your message were {headerBlock.Length} octets; only the first {headers.Length} are attached (headers truncated).\r\n");
        }

        report.Add(new TextPart("plain") { Text = text });

        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", "dns; " + reportingMta },
            { "X-EmailAI-Queue-ID", message.QueueId },
            { "Arrival-Date", DateUtils.FormatDate(message.ReceivedAt) },
        };
        status.StatusGroups.Add(perMessage);
        foreach (var recipient in recipients)
        {
            var group = new HeaderList
            {
                { "Final-Recipient", "rfc822; " + recipient.Recipient },
                { "Action", delayed ? "delayed" : "failed" },
                { "Status", recipient.Reply.EnhancedCode ?? (delayed ? "4.0.0" : "5.0.0") },
            };
            if (recipient.RemoteMta is not null)
            {
                group.Add("Remote-MTA", "dns; " + recipient.RemoteMta);
            }

            group.Add("Diagnostic-Code", "smtp; " + recipient.Reply.ToSingleLine());
            group.Add("Last-Attempt-Date", DateUtils.FormatDate(recipient.LastAttempt));
            if (delayed)
            {
                group.Add("Will-Retry-Until", DateUtils.FormatDate(willRetryUntil));
            }

            status.StatusGroups.Add(group);
        }

        report.Add(status);
        report.Add(new MimePart("text", "rfc822-headers")
        {
            Content = new MimeContent(new MemoryStream(headers.ToArray())),
            ContentTransferEncoding = SmtpDataEncoding.HasEightBitOctets(headers) ? ContentEncoding.EightBit : ContentEncoding.SevenBit,
        });
        dsn.Body = report;

        using var output = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.International = true;
        dsn.WriteTo(format, output);
        return output.ToArray();
    }

    /// <summary>
    /// The longest prefix of <paramref name="headerBlock"/> of at most <paramref name="maxBytes"/> octets that ends at a
    /// field boundary: a field is kept with all its continuation lines or not at all (RFC 5322 §2.2.3).
    /// </summary>
    internal static ReadOnlySpan<byte> HeaderExcerpt(ReadOnlySpan<byte> headerBlock, int maxBytes)
    {
        if (headerBlock.Length <= maxBytes)
        {
            return headerBlock;
        }

        var cut = 0;
        var position = 0;
        while (position <= maxBytes && position < headerBlock.Length)
        {
            // Every field before `position` is whole when a new field starts there.
            if (headerBlock[position] is not ((byte)' ' or (byte)'\t'))
            {
                cut = position;
            }

            var lf = headerBlock[position..].IndexOf((byte)'\n');
            position = lf < 0 ? headerBlock.Length : position + lf + 1;
        }

        return headerBlock[..cut];
    }

    private static string HumanText(string reportingMta, QueuedRecipient message, IReadOnlyList<DsnRecipient> recipients, bool delayed, DateTimeOffset willRetryUntil)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"This is the mail system at host {reportingMta}.\r\n\r\n");
        if (delayed)
        {
            text.Append("Your message could not be delivered yet. It is still in the queue and will be retried until ")
                .Append(willRetryUntil.ToString("R", CultureInfo.InvariantCulture)).Append(".\r\nYou do not need to send it again.\r\n\r\n");
        }
        else
        {
            text.Append("I'm sorry to have to inform you that your message could not be delivered to one or more\r\n")
                .Append("recipients. The reasons are below; the headers of your message are attached.\r\n\r\n");
        }

        foreach (var recipient in recipients)
        {
            text.Append('<').Append(recipient.Recipient).Append(">: ");
            if (recipient.RemoteMta is not null)
            {
                text.Append("host ").Append(recipient.RemoteMta).Append(" said: ");
            }

            text.Append(recipient.Reply.ToSingleLine()).Append("\r\n");
        }

        return text.ToString();
    }

}
