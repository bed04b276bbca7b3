using System.Buffers;
using System.Net;
using System.Text;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Time.Testing;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Smtp;

/// <summary>
/// Drives one <see cref="SmtpSession"/> the way a socket pump does: each read is appended (as its own buffer
/// segment) to the bytes the session left unconsumed, and all of it is offered again. Everything the server
/// says is collected in <see cref="Wire"/>. Input keeps being offered after the session closed, so a closed
/// session that still answered would show up in the transcript.
/// </summary>
public sealed class SmtpTestHarness
{
    public const string ServerDomain = "mx.example.com";
    public const string SessionId = "session-1";
    public const string ClientIp = "192.0.2.10";

    public static readonly DateTimeOffset StartTime = new(2025, 3, 14, 15, 9, 26, TimeSpan.Zero);

    private readonly List<ReadOnlyMemory<byte>> _unconsumed = [];
    private readonly StringBuilder _wire = new();
    private readonly List<SmtpReply> _replies = [];

    public SmtpTestHarness(Action<SmtpOptions>? configure = null, string clientIp = ClientIp, SmtpSessionContext? context = null)
    {
        Options = new SmtpOptions { ServerDomain = ServerDomain };
        configure?.Invoke(Options);
        Time = new FakeTimeProvider(StartTime);
        Policy = new FakeRecipientPolicy();
        Sink = new FakeMessageSink();
        Session = new SmtpSession(Options, context ?? SmtpSessionContext.Plain, SessionId, IPAddress.Parse(clientIp), Policy, Sink, Time, Events);
    }

    public SmtpOptions Options { get; }

    public FakeTimeProvider Time { get; }

    public FakeRecipientPolicy Policy { get; }

    public FakeMessageSink Sink { get; }

    public SmtpSession Session { get; }

    /// <summary>What the session reported for the log.</summary>
    public RecordingSessionEvents Events { get; } = new();

    /// <summary>The server's output so far, in wire form.</summary>
    public string Wire => _wire.ToString();

    /// <summary>Every reply so far, the greeting included.</summary>
    public IReadOnlyList<SmtpReply> Replies => _replies;

    /// <summary>Bytes the session has not consumed yet.</summary>
    public long UnconsumedBytes => _unconsumed.Sum(piece => (long)piece.Length);

    /// <summary>The most bytes the session ever left unconsumed after a read (what the host must buffer).</summary>
    public long MaxUnconsumedBytes { get; private set; }

    /// <summary>
    /// When positive, each read is further cut into buffer segments of this size, so that line ends, dots and
    /// multi-byte characters also fall on segment boundaries inside one read (as with a pipe's 4 KB blocks).
    /// </summary>
    public int SegmentSize { get; set; }

    /// <summary>The most reply octets one ProcessAsync call returned: what the host holds unflushed at once.</summary>
    public int MaxBatchReplyBytes { get; private set; }

    /// <summary>
    /// Every error-tarpit delay the session asked for (<see cref="SmtpSession.TakeReplyDelay"/>), in order; the fake
    /// clock is advanced by each before its batch is recorded, as the host waits it before writing.
    /// </summary>
    public List<TimeSpan> Delays { get; } = [];

    /// <summary>Number of ProcessAsync calls made.</summary>
    public int Reads { get; private set; }

    /// <summary>Runs a whole transcript from the greeting on and checks the server's output.</summary>
    public static async Task<SmtpTestHarness> RunAsync(Transcript transcript, int chunkSize, Action<SmtpOptions>? configure = null)
    {
        var harness = new SmtpTestHarness(configure);
        await harness.RunAsync(transcript, chunkSize);
        return harness;
    }

    public async Task RunAsync(Transcript transcript, int chunkSize)
    {
        Start();
        await SendAsync(transcript.ClientBytes, chunkSize);
        transcript.AssertServerOutput(System.Text.Encoding.UTF8.GetBytes(Wire));
    }

    public SmtpReply Start()
    {
        var greeting = Session.Start();
        Record(greeting);
        return greeting;
    }

    /// <summary>Sends a client line (CRLF appended) in one read and returns the replies to it.</summary>
    public Task<IReadOnlyList<SmtpReply>> SendLineAsync(string line) => SendAsync(Encoding.UTF8.GetBytes(line + "\r\n"));

    public Task<IReadOnlyList<SmtpReply>> SendAsync(string text, int chunkSize = 0) => SendAsync(Encoding.UTF8.GetBytes(text), chunkSize);

    /// <summary>
    /// Delivers <paramref name="bytes"/> in reads of <paramref name="chunkSize"/> bytes (0: one read) and
    /// returns the replies the session produced.
    /// </summary>
    public async Task<IReadOnlyList<SmtpReply>> SendAsync(ReadOnlyMemory<byte> bytes, int chunkSize = 0)
    {
        var replies = new List<SmtpReply>();
        var size = chunkSize <= 0 ? Math.Max(1, bytes.Length) : chunkSize;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            await PumpAsync(bytes.Slice(offset, Math.Min(size, bytes.Length - offset)), replies);
        }

        return replies;
    }

    /// <summary>What the host does when its wait reaches <see cref="SmtpSession.Deadline"/>.</summary>
    public SmtpReply? CheckTimeout()
    {
        var reply = Session.CheckTimeout();
        if (reply is not null)
        {
            Record(reply);
        }

        return reply;
    }

    /// <summary>Splits stored content into the Received trace field the session prepended and the rest.</summary>
    public static (string Trace, byte[] Message) SplitTrace(byte[] content)
    {
        var end = 0;
        do
        {
            var lf = Array.IndexOf(content, (byte)'\n', end);
            Assert.True(lf > 0 && content[lf - 1] == (byte)'\r', "The trace field does not end in CRLF");
            end = lf + 1;
        }
        while (end < content.Length && content[end] == (byte)'\t');

        return (Encoding.UTF8.GetString(content, 0, end), content[end..]);
    }

    private async Task PumpAsync(ReadOnlyMemory<byte> chunk, List<SmtpReply> replies)
    {
        if (_unconsumed.Count > 8)
        {
            // Keep the chain of old bytes short; the boundaries that matter are the new read's.
            var merged = new byte[UnconsumedBytes];
            var at = 0;
            foreach (var piece in _unconsumed)
            {
                piece.CopyTo(merged.AsMemory(at));
                at += piece.Length;
            }

            _unconsumed.Clear();
            _unconsumed.Add(merged);
        }

        var segment = SegmentSize <= 0 ? chunk.Length : SegmentSize;
        for (var offset = 0; offset < chunk.Length; offset += segment)
        {
            _unconsumed.Add(chunk.Slice(offset, Math.Min(segment, chunk.Length - offset)));
        }

        // As the gateway does: a batch of replies is written, then the rest of the same read is offered again,
        // until a call answers nothing (the rest is a partial line).
        var input = TestSequenceSegment.Create(_unconsumed);
        while (true)
        {
            var batch = new List<SmtpReply>();
            var position = await Session.ProcessAsync(input, batch, CancellationToken.None);
            Reads++;
            var delay = Session.TakeReplyDelay();
            if (delay > TimeSpan.Zero)
            {
                Delays.Add(delay);
                Time.Advance(delay);
            }

            Drop(input.Slice(input.Start, position).Length);
            input = input.Slice(position);
            MaxBatchReplyBytes = Math.Max(MaxBatchReplyBytes, batch.Sum(reply => reply.WireLength));
            foreach (var reply in batch)
            {
                Record(reply);
                replies.Add(reply);
            }

            if (batch.Count == 0 || input.IsEmpty)
            {
                break;
            }
        }

        MaxUnconsumedBytes = Math.Max(MaxUnconsumedBytes, UnconsumedBytes);
    }

    private void Drop(long count)
    {
        while (count > 0)
        {
            var first = _unconsumed[0];
            if (first.Length <= count)
            {
                count -= first.Length;
                _unconsumed.RemoveAt(0);
            }
            else
            {
                _unconsumed[0] = first[(int)count..];
                count = 0;
            }
        }
    }

    private void Record(SmtpReply reply)
    {
        _replies.Add(reply);
        reply.WriteTo(_wire);
    }
}
