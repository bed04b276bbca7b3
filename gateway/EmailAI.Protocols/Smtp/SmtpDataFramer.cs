using System.Buffers;

namespace EmailAI.Protocols.Smtp;

/// <summary>
/// Frames message text after 354, with no I/O: fed whatever bytes arrived, it writes the message as it will
/// be stored (dot-unstuffed, every line ending in CRLF) and says when the end-of-data line was seen.
/// <list type="bullet">
/// <item>Only <c>CRLF.CRLF</c> ends the data (RFC 5321 §4.1.1.4), with the CRLF of the DATA command counting
/// for an empty body. A bare LF or CR never takes part in it, in any policy, so <c>LF.LF</c>, <c>LF.CRLF</c>,
/// <c>CRLF.LF</c> and <c>CR.CR</c> cannot end a message early (SMTP smuggling).</item>
/// <item>A leading dot is removed from every line (RFC 5321 §4.5.2), a line begun after a bare LF included.</item>
/// <item>Bare LF and bare CR follow <see cref="SmtpOptions.BareLineFeeds"/>, long lines
/// <see cref="SmtpOptions.LongLines"/>; the refusals they cause are collected in <see cref="Defects"/>.</item>
/// </list>
/// Every byte offered is consumed (up to the end-of-data line): nothing is buffered here, so an endless line
/// costs no memory. Nothing more is written once the message is known to be refused (what was written of a
/// refused message is to be discarded), and never more than <see cref="SmtpOptions.MaxMessageSize"/> octets. How the input is split between calls does not change the
/// outcome. Not thread-safe; <see cref="Reset"/> before each message.
/// </summary>
public sealed class SmtpDataFramer
{
    private readonly long _maxSize;
    private readonly int _maxLineContent;
    private readonly bool _rejectBareLineEnds;
    private readonly bool _rejectLongLines;

    private State _state;
    private bool _afterCrLf;
    private bool _dotOnly;
    private long _lineLength;

    public SmtpDataFramer(SmtpOptions options)
    {
        _maxSize = options.MaxMessageSize;
        // MaxDataLineLength counts the CRLF (RFC 5321 §4.5.3.1.6: 1000 octets including it).
        _maxLineContent = options.MaxDataLineLength - 2;
        _rejectBareLineEnds = options.BareLineFeeds == BareLineFeedPolicy.Reject;
        _rejectLongLines = options.LongLines == LongLinePolicy.Reject;
        Reset();
    }

    private enum State
    {
        LineStart,
        Dot,
        Text,
        Cr,
    }

    /// <summary>Octets of message text after unstuffing and normalising, counted whether or not they were written.</summary>
    public long Size { get; private set; }

    /// <summary>Why the message must be refused; <see cref="SmtpDataDefects.None"/> when it may be committed.</summary>
    public SmtpDataDefects Defects { get; private set; }

    /// <summary>Prepares for a new message: at the start of a line that follows a CRLF (that of DATA).</summary>
    public void Reset()
    {
        _state = State.LineStart;
        _afterCrLf = true;
        _dotOnly = false;
        _lineLength = 0;
        Size = 0;
        Defects = SmtpDataDefects.None;
    }

    /// <summary>
    /// Consumes <paramref name="input"/>, writing message text to <paramref name="output"/>. Returns true at the
    /// end-of-data line, with <paramref name="consumed"/> just past its LF (what follows are commands);
    /// otherwise all of the input was consumed.
    /// </summary>
    public bool Frame(ReadOnlySequence<byte> input, IBufferWriter<byte> output, out SequencePosition consumed)
    {
        long offset = 0;
        foreach (var memory in input)
        {
            var end = Frame(memory.Span, output);
            if (end >= 0)
            {
                consumed = input.GetPosition(offset + end);
                return true;
            }

            offset += memory.Length;
        }

        consumed = input.End;
        return false;
    }

    /// <summary>Returns the index just past the end-of-data LF, or -1 when <paramref name="span"/> was consumed whole.</summary>
    private int Frame(ReadOnlySpan<byte> span, IBufferWriter<byte> output)
    {
        var i = 0;
        while (i < span.Length)
        {
            var b = span[i];
            switch (_state)
            {
                case State.LineStart when b == (byte)'.':
                    // Either transparency (removed) or the start of the end-of-data line.
                    _state = State.Dot;
                    i++;
                    break;
                case State.LineStart:
                    _state = State.Text;
                    break;
                case State.Dot when b == (byte)'\r':
                    _dotOnly = _afterCrLf;
                    _state = State.Cr;
                    i++;
                    break;
                case State.Dot:
                    _state = State.Text;
                    break;
                case State.Cr when b == (byte)'\n':
                    i++;
                    if (_dotOnly)
                    {
                        return i;
                    }

                    Write("\r\n"u8, output);
                    StartLine(afterCrLf: true);
                    break;
                case State.Cr:
                    // The CR before b was bare; b is looked at again as text.
                    BareCarriageReturn(output);
                    _state = State.Text;
                    break;
                default:
                    var run = span[i..].IndexOfAny((byte)'\r', (byte)'\n');
                    if (run < 0)
                    {
                        run = span.Length - i;
                    }

                    if (run > 0)
                    {
                        Content(span.Slice(i, run), output);
                        i += run;
                    }
                    else if (b == (byte)'\r')
                    {
                        _dotOnly = false;
                        _state = State.Cr;
                        i++;
                    }
                    else
                    {
                        BareLineFeed(output);
                        i++;
                    }

                    break;
            }
        }

        return -1;
    }

    private void BareLineFeed(IBufferWriter<byte> output)
    {
        if (_rejectBareLineEnds)
        {
            Defects |= SmtpDataDefects.BareLineFeed;
        }

        // Postfix's "normalize": the line ends as if the client had sent CRLF; it is stored so.
        Write("\r\n"u8, output);
        StartLine(afterCrLf: false);
    }

    private void BareCarriageReturn(IBufferWriter<byte> output)
    {
        if (_rejectBareLineEnds)
        {
            Defects |= SmtpDataDefects.BareCarriageReturn;
        }

        Content("\r"u8, output);
    }

    private void StartLine(bool afterCrLf)
    {
        _lineLength = 0;
        _afterCrLf = afterCrLf;
        _state = State.LineStart;
    }

    private void Content(ReadOnlySpan<byte> text, IBufferWriter<byte> output)
    {
        // RFC 5321 §4.5.3.1.6: the dot duplicated for transparency does not count (it was never written).
        _lineLength += text.Length;
        if (_rejectLongLines && _lineLength > _maxLineContent)
        {
            Defects |= SmtpDataDefects.LineTooLong;
        }

        Write(text, output);
    }

    private void Write(ReadOnlySpan<byte> text, IBufferWriter<byte> output)
    {
        Size += text.Length;
        if (Size > _maxSize)
        {
            Defects |= SmtpDataDefects.TooBig;
        }

        if (Defects == SmtpDataDefects.None)
        {
            output.Write(text);
        }
    }
}
