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
/// outcome. The header is metered as it is written: a field (its continuation lines included) over
/// <see cref="SmtpOptions.MaxHeaderFieldSize"/> or a header over <see cref="SmtpOptions.MaxHeaderSize"/> has the
/// message refused, since header parsers downstream (MimeKit among them) take time that grows faster than the field.
/// The header ends at the first empty line or at the first line that is neither a field (a name of printable ASCII,
/// then a colon) nor a continuation (begun by a space or tab), as a parser reading it would end it. Not thread-safe;
/// <see cref="Reset"/> before each message.
/// </summary>
public sealed class SmtpDataFramer
{
    private readonly long _maxSize;
    private readonly int _maxLineContent;
    private readonly bool _rejectBareLineEnds;
    private readonly bool _rejectLongLines;
    private readonly long _maxHeaderField;
    private readonly long _maxHeader;

    private State _state;
    private bool _afterCrLf;
    private bool _dotOnly;
    private long _lineLength;

    // The header meter: what the current line of the header is, its octets while that is undecided, and the sizes.
    private HeaderLine _headerLine;
    private long _undecidedOctets;
    private long _fieldSize;
    private long _headerSize;

    public SmtpDataFramer(SmtpOptions options)
    {
        _maxSize = options.MaxMessageSize;
        // MaxDataLineLength counts the CRLF (RFC 5321 §4.5.3.1.6: 1000 octets including it).
        _maxLineContent = options.MaxDataLineLength - 2;
        _rejectBareLineEnds = options.BareLineFeeds == BareLineFeedPolicy.Reject;
        _rejectLongLines = options.LongLines == LongLinePolicy.Reject;
        _maxHeaderField = options.MaxHeaderFieldSize;
        _maxHeader = options.MaxHeaderSize;
        Reset();
    }

    private enum State
    {
        LineStart,
        Dot,
        Text,
        Cr,
    }

    private enum HeaderLine
    {
        /// <summary>Nothing of the line written yet.</summary>
        Start,

        /// <summary>Field-name characters so far.</summary>
        Name,

        /// <summary>A field name, then spaces or tabs (RFC 5322 §4.5.3 obs-optional): a colon must come next.</summary>
        NameSpace,

        /// <summary>A field or a continuation of one: counted.</summary>
        Field,

        /// <summary>The header has ended; the body is not metered.</summary>
        Body,
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
        _headerLine = HeaderLine.Start;
        _undecidedOctets = 0;
        _fieldSize = 0;
        _headerSize = 0;
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
        HeaderLineEnd();
        _lineLength = 0;
        _afterCrLf = afterCrLf;
        _state = State.LineStart;
    }

    private void Content(ReadOnlySpan<byte> text, IBufferWriter<byte> output)
    {
        if (_headerLine != HeaderLine.Body)
        {
            HeaderContent(text);
        }

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

    /// <summary>Meters octets of a header line (never empty).</summary>
    private void HeaderContent(ReadOnlySpan<byte> text)
    {
        var i = 0;
        while (_headerLine is HeaderLine.Start or HeaderLine.Name or HeaderLine.NameSpace && i < text.Length)
        {
            var b = text[i++];
            _undecidedOctets++;
            var space = b is (byte)' ' or (byte)'\t';
            _headerLine = _headerLine switch
            {
                HeaderLine.Start when space => StartField(continuation: true),
                HeaderLine.Start or HeaderLine.Name when IsFieldNameChar(b) => HeaderLine.Name,
                HeaderLine.Name or HeaderLine.NameSpace when space => HeaderLine.NameSpace,
                HeaderLine.Name or HeaderLine.NameSpace when b == (byte)':' => StartField(continuation: false),
                _ => HeaderLine.Body,
            };
        }

        if (_headerLine == HeaderLine.Field)
        {
            CountHeader(text.Length - i);
        }
    }

    /// <summary>The line is part of the header after all: its octets so far are counted, to a new field unless it continues one.</summary>
    private HeaderLine StartField(bool continuation)
    {
        if (!continuation)
        {
            _fieldSize = 0;
        }

        CountHeader(_undecidedOctets);
        _undecidedOctets = 0;
        return HeaderLine.Field;
    }

    private void CountHeader(long octets)
    {
        _fieldSize += octets;
        _headerSize += octets;
        if (_fieldSize > _maxHeaderField)
        {
            Defects |= SmtpDataDefects.HeaderFieldTooBig;
        }

        if (_headerSize > _maxHeader)
        {
            Defects |= SmtpDataDefects.HeaderTooBig;
        }
    }

    /// <summary>A line of the header ended (its CRLF was written): an empty or undecided line ends the header.</summary>
    private void HeaderLineEnd()
    {
        if (_headerLine == HeaderLine.Field)
        {
            CountHeader(2);
            _headerLine = HeaderLine.Start;
        }
        else
        {
            _headerLine = HeaderLine.Body;
        }
    }

    /// <summary>RFC 5322 §3.6.8 ftext: printable US-ASCII except the colon.</summary>
    private static bool IsFieldNameChar(byte b) => b is >= 33 and <= 126 and not (byte)':';
}
