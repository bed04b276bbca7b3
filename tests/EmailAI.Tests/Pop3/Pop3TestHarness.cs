using System.IO.Pipelines;
using System.Net;
using System.Text;
using EmailAI.Protocols.Pop3;
using EmailAI.Tests.Smtp;
using Microsoft.Extensions.Time.Testing;
using EmailAI.Tests.Transcripts;

namespace EmailAI.Tests.Pop3;

/// <summary>
/// Drives one <see cref="Pop3Session"/> the way a socket pump does: each read is appended (as its own buffer
/// segment) to the bytes the session left unconsumed, and all of it is offered again, once per read and never
/// without new bytes, so a session that answered only part of what it was given would stall here too.
/// Responses go to a <see cref="PipeWriter"/> over a stream; only what the session flushed counts as sent.
/// Everything sent is collected in <see cref="WireBytes"/>. Input keeps being offered after the session
/// closed, so a closed session that still answered would show up in the transcript.
/// </summary>
public sealed class Pop3TestHarness
{
    public const string ServerDomain = "pop.example.com";
    public const string SessionId = "pop3-session-1";
    public const string ClientIp = "192.0.2.10";

    public static readonly DateTimeOffset StartTime = new(2025, 3, 14, 15, 9, 26, TimeSpan.Zero);

    private readonly List<ReadOnlyMemory<byte>> _unconsumed = [];
    private readonly MemoryStream _sent = new();
    private readonly PipeWriter _output;
    private readonly MemoryStream _wire = new();
    private bool _started;

    public Pop3TestHarness(Action<Pop3Options>? configure = null, bool secure = true, FakePop3Backend? backend = null, FakeTimeProvider? time = null, string sessionId = SessionId)
    {
        Options = new Pop3Options { ServerDomain = ServerDomain };
        configure?.Invoke(Options);
        Time = time ?? new FakeTimeProvider(StartTime);
        Backend = backend ?? new FakePop3Backend();
        _output = PipeWriter.Create(_sent, new StreamPipeWriterOptions(leaveOpen: true));
        Session = new Pop3Session(Options, sessionId, IPAddress.Parse(ClientIp), secure, Backend, Time);
    }

    public Pop3Options Options { get; }

    public FakeTimeProvider Time { get; }

    public FakePop3Backend Backend { get; }

    public Pop3Session Session { get; }

    /// <summary>Everything the server sent so far, greeting included.</summary>
    public byte[] WireBytes => _wire.ToArray();

    /// <summary><see cref="WireBytes"/> as Latin-1: one char per octet.</summary>
    public string Wire => Encoding.Latin1.GetString(_wire.ToArray());

    /// <summary>Bytes the session has not consumed yet.</summary>
    public long UnconsumedBytes => _unconsumed.Sum(piece => (long)piece.Length);

    /// <summary>The most bytes the session ever left unconsumed after a read (what the host must buffer).</summary>
    public long MaxUnconsumedBytes { get; private set; }

    /// <summary>Number of ProcessAsync calls made.</summary>
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
        var before = _wire.Length;
        var size = chunkSize <= 0 ? Math.Max(1, bytes.Length) : chunkSize;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            await PumpAsync(bytes.Slice(offset, Math.Min(size, bytes.Length - offset)));
        }

        return Encoding.Latin1.GetString(_wire.GetBuffer(), (int)before, (int)(_wire.Length - before));
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
        var position = await Session.ProcessAsync(input, _output, CancellationToken.None);
        Reads++;
        Drop(input.Slice(input.Start, position).Length);
        MaxUnconsumedBytes = Math.Max(MaxUnconsumedBytes, UnconsumedBytes);

        // Only what the session flushed has reached the stream (the socket).
        Record(_sent.ToArray());
        _sent.SetLength(0);
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
