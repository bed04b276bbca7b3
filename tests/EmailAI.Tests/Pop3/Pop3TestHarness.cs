using System.Buffers;
using System.Net;
using System.Text;
using EmailAI.Protocols.Pop3;
using EmailAI.Tests.Smtp;
using Microsoft.Extensions.Time.Testing;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Pop3;

/// <summary>
/// Drives one <see cref="Pop3Session"/> the way the socket pump does: each read is appended (as its own buffer
/// segment) to the bytes the session left unconsumed and offered to the session, again and again while it
/// keeps answering (one command per call), then the pump waits for the next read: never without new bytes,
/// so a session that left a complete command unanswered would stall here too. Responses are written as the
/// host writes them, message data through a <see cref="Pop3DotStuffer"/> in small pieces (so a piece
/// boundary falls inside lines and inside stuffed dots). Everything sent is collected in
/// <see cref="WireBytes"/>. Input keeps being offered after the session closed, so a closed session that
/// still answered would show up in the transcript.
/// </summary>
public sealed class Pop3TestHarness
{
    public const string ServerDomain = "pop.example.com";
    public const string SessionId = "pop3-session-1";
    public const string ClientIp = "192.0.2.10";

    public static readonly DateTimeOffset StartTime = new(2025, 3, 14, 15, 9, 26, TimeSpan.Zero);

    /// <summary>Size of the pieces message data is written in; small and odd, so pieces end anywhere.</summary>
    public const int ContentPieceSize = 7;

    private readonly List<ReadOnlyMemory<byte>> _unconsumed = [];
    private readonly List<Pop3Response> _responses = [];
    private readonly ArrayBufferWriter<byte> _wire = new();
    private bool _started;

    public Pop3TestHarness(Action<Pop3Options>? configure = null, bool secure = true, FakePop3Backend? backend = null, FakeTimeProvider? time = null, string sessionId = SessionId)
    {
        Options = new Pop3Options { ServerDomain = ServerDomain };
        configure?.Invoke(Options);
        Time = time ?? new FakeTimeProvider(StartTime);
        Backend = backend ?? new FakePop3Backend();
        Session = new Pop3Session(Options, sessionId, IPAddress.Parse(ClientIp), secure, Backend, Time, Logins);
    }

    public Pop3Options Options { get; }

    public FakeTimeProvider Time { get; }

    public FakePop3Backend Backend { get; }

    public Pop3Session Session { get; }

    /// <summary>Every login attempt the session reported, in order.</summary>
    public RecordingLoginObserver Logins { get; } = new();

    /// <summary>Every response the session returned, in order.</summary>
    public List<Pop3Response> Responses { get; } = [];

    /// <summary>Everything the server sent so far, greeting included.</summary>
    public byte[] WireBytes => _wire.WrittenSpan.ToArray();

    /// <summary><see cref="WireBytes"/> as Latin-1: one char per octet.</summary>
    public string Wire => Encoding.Latin1.GetString(_wire.WrittenSpan);

    /// <summary>Bytes the session has not consumed yet.</summary>
    public long UnconsumedBytes => _unconsumed.Sum(piece => (long)piece.Length);

    /// <summary>The most bytes the session ever left unconsumed after a read (what the host must buffer).</summary>
    public long MaxUnconsumedBytes { get; private set; }

    /// <summary>Number of reads delivered to the session.</summary>
    public int Reads { get; private set; }

    /// <summary>Runs a whole transcript from the greeting on and checks the server's output.</summary>
    public static async Task<Pop3TestHarness> RunAsync(Transcript transcript, int chunkSize, Action<Pop3Options>? configure = null, bool secure = true)
    {
        var harness = new Pop3TestHarness(configure, secure);
        await harness.RunAsync(transcript, chunkSize);
        return harness;
    }

    /// <summary>
    /// Sends the transcript's client bytes (after the greeting, unless it was already sent) and checks the
    /// server's whole output since the greeting against it.
    /// </summary>
    public async Task RunAsync(Transcript transcript, int chunkSize)
    {
        if (!_started)
        {
            Start();
        }

        await SendAsync(transcript.ClientBytes, chunkSize);
        transcript.AssertServerOutput(WireBytes);
    }

    /// <summary>Sends the greeting and returns it (without CRLF).</summary>
    public string Start()
    {
        _started = true;
        var greeting = Session.Start();
        Record(Encoding.UTF8.GetBytes(greeting + "\r\n"));
        return greeting;
    }

    /// <summary>Sends a client line (CRLF appended) in one read and returns what the server sent back.</summary>
    public Task<string> SendLineAsync(string line) => SendAsync(line + "\r\n");

    public Task<string> SendAsync(string text, int chunkSize = 0) => SendAsync(Encoding.UTF8.GetBytes(text), chunkSize);

    /// <summary>
    /// Delivers <paramref name="bytes"/> in reads of <paramref name="chunkSize"/> bytes (0: one read) and
    /// returns what the server sent meanwhile, as Latin-1 (one char per octet).
    /// </summary>
    public async Task<string> SendAsync(ReadOnlyMemory<byte> bytes, int chunkSize = 0)
    {
        var before = _wire.WrittenCount;
        var size = chunkSize <= 0 ? Math.Max(1, bytes.Length) : chunkSize;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            await PumpAsync(bytes.Slice(offset, Math.Min(size, bytes.Length - offset)));
        }

        return Encoding.Latin1.GetString(_wire.WrittenSpan[before..]);
    }

    /// <summary>What the host does when its wait reaches <see cref="Pop3Session.Deadline"/>.</summary>
    public string? CheckTimeout()
    {
        var line = Session.CheckTimeout();
        if (line is not null)
        {
            Record(Encoding.UTF8.GetBytes(line + "\r\n"));
        }

        return line;
    }

    private async Task PumpAsync(ReadOnlyMemory<byte> chunk)
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

        _unconsumed.Add(chunk);
        var input = TestSequenceSegment.Create(_unconsumed);
        Reads++;
        while (true)
        {
            var position = await Session.ProcessAsync(input, _responses, CancellationToken.None);
            input = input.Slice(position);
            if (_responses.Count == 0)
            {
                break;
            }

            foreach (var response in _responses)
            {
                Write(response);
            }

            Responses.AddRange(_responses);
            _responses.Clear();
        }

        Drop(UnconsumedBytes - input.Length);
        MaxUnconsumedBytes = Math.Max(MaxUnconsumedBytes, UnconsumedBytes);
    }

    private void Write(Pop3Response response)
    {
        response.WriteLinesTo(_wire);
        if (response.Content is { } content)
        {
            var stuffer = new Pop3DotStuffer(content);
            while (!stuffer.WriteNext(_wire, ContentPieceSize))
            {
            }
        }
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

    private void Record(byte[] bytes) => _wire.Write(bytes);
}
