using System.Text;
using EmailAI.Grains.Authentication.Dkim;
using EmailAI.Protocols.Common;

namespace EmailAI.Grains.Authentication;

/// <summary>
/// The <c>Authentication-Results:</c> field (RFC 8601) this server adds, and the removal of the ones a sender forged
/// with our authserv-id (RFC 8601 §5). Everything rendered from the message or DNS — domains, selectors, reasons — is
/// written as an RFC 2045 token or quoted-string, or as a comment of printable ASCII without parentheses, so no
/// text of the sender's can end the field, start another, or change a result.
/// </summary>
public static class AuthenticationResultsField
{
    public const string FieldName = "Authentication-Results";

    /// <summary>RFC 5322 §2.1.1: lines SHOULD be at most 78 characters; we fold before a word that would pass it.</summary>
    public const int FoldWidth = 78;

    /// <summary>Longest comment text we write (attacker-controlled reasons are cut; RFC 5322 §2.1.1's 998-octet line limit holds).</summary>
    public const int MaxCommentLength = 100;

    /// <summary>Longest property value we write, before quoting: a domain name has at most 253 characters.</summary>
    public const int MaxValueLength = 255;

    /// <summary>RFC 2045 §5.1 tspecials: what a token may not contain.</summary>
    private const string TSpecials = "()<>@,;:\\\"/[]?=";

    /// <summary>
    /// The whole field, ending in CRLF: <c>Authentication-Results: authserv-id;</c> then one resinfo per method on its
    /// own folded line — <c>spf</c>, one <c>dkim</c> per signature (or <c>dkim=none</c>), <c>dmarc</c>, <c>arc</c>.
    /// </summary>
    public static string Render(string authservId, AuthenticationReport report)
    {
        var field = new FieldBuilder(FieldName + ":");
        field.Word(Value(authservId) + ";");

        var spf = report.Spf;
        field.Fold();
        field.Word("spf=" + spf.Result.ToString().ToLowerInvariant());
        field.Comment(spf.Reason);
        if (spf.Domain.Length > 0)
        {
            field.Word((spf.Identity == "helo" ? "smtp.helo=" : "smtp.mailfrom=") + Value(spf.Domain));
        }

        field.Word(";");
        if (report.Dkim.Count == 0)
        {
            field.Fold();
            field.Word("dkim=none");
            field.Comment("message not signed");
            field.Word(";");
        }

        foreach (var dkim in report.Dkim)
        {
            field.Fold();
            field.Word("dkim=" + Result(dkim.Result));
            field.Comment(dkim.Reason);
            Property(field, "header.d", dkim.Domain);
            Property(field, "header.s", dkim.Selector);
            Property(field, "header.a", dkim.Algorithm);
            field.Word(";");
        }

        var dmarc = report.Dmarc;
        field.Fold();
        field.Word("dmarc=" + Result(dmarc.Result));
        field.Comment(dmarc.Policy is null ? dmarc.Reason : $"p={dmarc.Policy}{(dmarc.PolicyApplied ? "" : " sampled out by pct")}{(dmarc.Result == "pass" ? "" : "; " + dmarc.Reason)}");
        Property(field, "header.from", dmarc.FromDomain);
        field.Word(";");

        field.Fold();
        field.Word("arc=" + Result(report.Arc));
        return field.ToString();
    }

    /// <summary>
    /// <paramref name="content"/> without the Authentication-Results fields whose authserv-id is
    /// <paramref name="authservId"/> (case-insensitive, after any comments and folding): a sender must not be able
    /// to hand a reader results that look like ours (RFC 8601 §5). Fields with other ids are kept. Returns the same
    /// array when there is none.
    /// </summary>
    public static byte[] RemoveOurs(byte[] content, string authservId) =>
        HeaderFields.RemoveWhere(content, FieldName, value => string.Equals(ReadAuthservId(value.Span)?.TrimEnd('.'), authservId.TrimEnd('.'), StringComparison.OrdinalIgnoreCase));

    /// <summary>The authserv-id at the start of a field value (RFC 8601 §2.2: [CFWS] value); null when there is none.</summary>
    internal static string? ReadAuthservId(ReadOnlySpan<byte> value)
    {
        var i = SkipCfws(value, 0);
        if (i >= value.Length)
        {
            return null;
        }

        var id = new List<byte>();
        if (value[i] == (byte)'"')
        {
            for (i++; i < value.Length && value[i] != (byte)'"'; i++)
            {
                if (value[i] == (byte)'\\' && i + 1 < value.Length)
                {
                    i++;
                }

                if (value[i] is not ((byte)'\r' or (byte)'\n'))
                {
                    id.Add(value[i]);
                }
            }
        }
        else
        {
            // A token ends at whitespace, a control or a tspecial (RFC 2045 §5.1); UTF-8 is allowed (RFC 8601 §2.5).
            for (; i < value.Length && value[i] > 0x20 && value[i] != 0x7F && !TSpecials.Contains((char)value[i]); i++)
            {
                id.Add(value[i]);
            }
        }

        return id.Count == 0 ? null : Encoding.UTF8.GetString([.. id]);
    }

    /// <summary>Skips whitespace, line breaks and (nested) comments with their quoted-pairs (RFC 5322 §3.2.2 CFWS).</summary>
    private static int SkipCfws(ReadOnlySpan<byte> value, int i)
    {
        var depth = 0;
        for (; i < value.Length; i++)
        {
            var c = value[i];
            if (depth > 0 && c == (byte)'\\')
            {
                i++;
            }
            else if (c == (byte)'(')
            {
                depth++;
            }
            else if (depth > 0 && c == (byte)')')
            {
                depth--;
            }
            else if (depth == 0 && c is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                break;
            }
        }

        return i;
    }

    /// <summary>A result keyword: ours always are, but a reader of our record types could set anything.</summary>
    private static string Result(string result) =>
        result.Length > 0 && result.All(c => char.IsAsciiLetterLower(c)) ? result : "permerror";

    private static void Property(FieldBuilder field, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            field.Word(name + "=" + Value(value));
        }
    }

    /// <summary>
    /// RFC 2045 <c>value</c>: the text as a token when it is one, else a quoted-string; anything but printable ASCII
    /// becomes <c>?</c> (line breaks and controls included) and the text is cut at <see cref="MaxValueLength"/>.
    /// </summary>
    internal static string Value(string text)
    {
        var printable = new string([.. text.Take(MaxValueLength).Select(c => c is >= ' ' and <= '~' ? c : '?')]);
        if (printable.Length > 0 && printable.All(c => c > ' ' && !TSpecials.Contains(c)))
        {
            return printable;
        }

        return "\"" + printable.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Comment text: printable ASCII, parentheses and backslashes replaced, whitespace collapsed, cut short.</summary>
    internal static string CommentText(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxCommentLength));
        foreach (var c in text)
        {
            if (builder.Length >= MaxCommentLength)
            {
                break;
            }

            var safe = c switch
            {
                '(' => '[',
                ')' => ']',
                '\\' => '/',
                >= '!' and <= '~' => c,
                ' ' or '\t' or '\r' or '\n' => ' ',
                _ => '?',
            };
            if (safe != ' ' || (builder.Length > 0 && builder[^1] != ' '))
            {
                builder.Append(safe);
            }
        }

        return builder.ToString().TrimEnd();
    }

    /// <summary>Words joined by spaces, folded (CRLF TAB) before a word that would pass <see cref="FoldWidth"/>.</summary>
    private sealed class FieldBuilder(string name)
    {
        private readonly StringBuilder _text = new(name);
        private int _lineLength = name.Length;
        private bool _lineStart;

        public void Word(string word)
        {
            if (word == ";")
            {
                _text.Append(';');
                _lineLength++;
                return;
            }

            if (_lineStart)
            {
                _lineStart = false;
            }
            else if (_lineLength + 1 + word.Length > FoldWidth)
            {
                Fold();
                _lineStart = false;
            }
            else
            {
                _text.Append(' ');
                _lineLength++;
            }

            _text.Append(word);
            _lineLength += word.Length;
        }

        public void Comment(string? text)
        {
            if (text is not null && CommentText(text) is { Length: > 0 } comment)
            {
                Word("(" + comment + ")");
            }
        }

        /// <summary>Starts a continuation line; the next word follows the tab.</summary>
        public void Fold()
        {
            _text.Append("\r\n\t");
            _lineLength = 1;
            _lineStart = true;
        }

        public override string ToString() => _text.Append("\r\n").ToString();
    }
}
