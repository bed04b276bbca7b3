using System.IO.Pipelines;
using EmailAI.Gateway.Pop3;
using EmailAI.Protocols.Pop3;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Pop3;

/// <summary>
/// Writing responses to a connection with deadlines (issue 9 §2): a client that stops reading, even in the
/// middle of a RETR, is given up on after <see cref="Pop3Options.WriteTimeout"/> on a fake clock; one that
/// keeps reading, however slowly, is not; RETR data reaches the transport in flushes of at most
/// <see cref="Pop3Options.ResponseBufferSize"/> octets.
/// </summary>
public sealed class Pop3ResponseWriterTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WriteAsync_ClientStopsReadingMidRetr_TimeoutExceptionAtWriteTimeoutNotBefore()
    {
        var time = new FakeTimeProvider();
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1024, resumeWriterThreshold: 512));
        var options = new Pop3Options { ResponseBufferSize = 4096 };
        var writer = new Pop3ResponseWriter(pipe.Writer, options, time);

        var write = writer.WriteAsync(Retr(1024 * 1024)).AsTask();
        Assert.False(write.IsCompleted);
        time.Advance(options.WriteTimeout - Tick);
        await Task.Delay(50);
        Assert.False(write.IsCompleted, "gave up before the write timeout");

        time.Advance(Tick);

        await Assert.ThrowsAsync<TimeoutException>(() => write.WaitAsync(Bounded));
        Assert.True(writer.TimedOut);
    }

    [Fact]
    public async Task WriteAsync_ClientReadsAPieceEveryFourMinutes_CompletesWithoutTimeout()
    {
        // The writer's continuations run only when the test runs them, so the clock never moves while the
        // writer is between "the client made room" and "the next flush is waiting" (the clock moving there
        // is a client that read exactly at the deadline, not one that reads every four minutes).
        var time = new FakeTimeProvider();
        var scheduler = new ManualScheduler();
        var pipe = new Pipe(new PipeOptions(writerScheduler: scheduler, pauseWriterThreshold: 1024, resumeWriterThreshold: 512, useSynchronizationContext: false));
        var writer = new Pop3ResponseWriter(pipe.Writer, new Pop3Options { ResponseBufferSize = 4096 }, time);
        var response = Retr(40 * 1024);
        var total = response.StatusLine.Length + 2 + (40 * 1024) + 3;
        var received = 0L;

        var write = WriteAndFlush(writer, response);
        while (received < total)
        {
            time.Advance(TimeSpan.FromMinutes(4));
            var result = await pipe.Reader.ReadAsync().AsTask().WaitAsync(Bounded);
            received += result.Buffer.Length;
            pipe.Reader.AdvanceTo(result.Buffer.End);
            scheduler.RunAll();
        }

        await write.WaitAsync(Bounded);
        Assert.Equal(total, received);
        Assert.Equal(total, writer.BytesWritten);
        Assert.False(writer.TimedOut);
    }

    private static async Task WriteAndFlush(Pop3ResponseWriter writer, Pop3Response response)
    {
        await writer.WriteAsync(response);
        await writer.FlushAsync();
    }

    /// <summary>
    /// A flush's deadline that fires just after the flush completed leaves a cancel on the pipe
    /// (<see cref="PipeWriter.CancelPendingFlush"/> cancels the next flush when none is pending). That stale
    /// cancel must not make the next flush a timeout, nor let it skip waiting for the client.
    /// </summary>
    [Fact]
    public async Task FlushAsync_StaleCancelFromAnEarlierDeadline_NextFlushStillWaitsAndIsNoTimeout()
    {
        var time = new FakeTimeProvider();
        var scheduler = new ManualScheduler();
        var pipe = new Pipe(new PipeOptions(writerScheduler: scheduler, pauseWriterThreshold: 1024, resumeWriterThreshold: 512, useSynchronizationContext: false));
        var writer = new Pop3ResponseWriter(pipe.Writer, new Pop3Options { ResponseBufferSize = 4096 }, time);
        pipe.Writer.CancelPendingFlush();

        var write = writer.WriteLineAsync(new string('b', 2000)).AsTask();

        Assert.False(write.IsCompleted, "the stale cancel let a flush skip waiting for the client");
        var read = await pipe.Reader.ReadAsync();
        pipe.Reader.AdvanceTo(read.Buffer.End);
        scheduler.RunAll();
        await write.WaitAsync(Bounded);
        Assert.False(writer.TimedOut);
    }

    [Fact]
    public async Task WriteAsync_RetrOfTenBuffers_FlushedInPiecesOfAtMostResponseBufferSize()
    {
        const int bufferSize = 1000;
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1));
        var writer = new Pop3ResponseWriter(pipe.Writer, new Pop3Options { ResponseBufferSize = bufferSize }, TimeProvider.System);
        var response = Retr(10 * bufferSize);
        var statusLength = response.StatusLine.Length + 2;
        var total = statusLength + (10 * bufferSize) + 3;
        var flushes = new List<long>();

        var write = Task.Run(async () =>
        {
            await writer.WriteAsync(response);
            await writer.FlushAsync();
        });
        while (flushes.Sum() < total)
        {
            var result = await pipe.Reader.ReadAsync().AsTask().WaitAsync(Bounded);
            flushes.Add(result.Buffer.Length);
            pipe.Reader.AdvanceTo(result.Buffer.End);
        }

        await write.WaitAsync(Bounded);
        Assert.True(flushes.Count >= 10, $"{flushes.Count} flushes");
        Assert.True(flushes[0] <= statusLength + bufferSize, $"first flush {flushes[0]}");
        Assert.All(flushes.Skip(1), length => Assert.True(length <= bufferSize + 3, $"a flush of {length} octets"));
        Assert.Equal(total, flushes.Sum());
    }

    [Fact]
    public async Task FlushAsync_TransportGone_ConnectionReset()
    {
        var pipe = new Pipe();
        var writer = new Pop3ResponseWriter(pipe.Writer, new Pop3Options(), new FakeTimeProvider());
        await pipe.Reader.CompleteAsync();

        await Assert.ThrowsAsync<Microsoft.AspNetCore.Connections.ConnectionResetException>(() => writer.WriteLineAsync("+OK").AsTask());
    }

    /// <summary>Holds the writer's continuations until the test runs them, to order them against the clock.</summary>
    private sealed class ManualScheduler : PipeScheduler
    {
        private readonly Queue<(Action<object?> Action, object? State)> _queue = new();

        public override void Schedule(Action<object?> action, object? state)
        {
            lock (_queue)
            {
                _queue.Enqueue((action, state));
            }
        }

        public void RunAll()
        {
            while (true)
            {
                (Action<object?> Action, object? State) next;
                lock (_queue)
                {
                    if (!_queue.TryDequeue(out next))
                    {
                        return;
                    }
                }

                next.Action(next.State);
            }
        }
    }

    private static Pop3Response Retr(int size)
    {
        var message = new byte[size];
        message.AsSpan().Fill((byte)'a');
        for (var i = 78; i < size; i += 80)
        {
            message[i] = (byte)'\r';
            message[i + 1] = (byte)'\n';
        }

        message[^2] = (byte)'\r';
        message[^1] = (byte)'\n';
        return new Pop3Response([Pop3Responses.Octets(size)], new Pop3MessageContent(message));
    }
}
