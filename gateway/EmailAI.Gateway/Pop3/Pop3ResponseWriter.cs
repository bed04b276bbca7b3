using System.IO.Pipelines;
using EmailAI.Protocols.Pop3;
using Microsoft.AspNetCore.Connections;

namespace EmailAI.Gateway.Pop3;

/// <summary>
/// Writes a session's responses to one connection. Status lines and listings are written as they come and
/// flushed once <see cref="Pop3Options.ResponseBufferSize"/> octets are waiting (and by the pump at the end
/// of each read); RETR and TOP data is dot-stuffed straight from the stored message in pieces of that size,
/// each flushed before the next is made. A flush waits while the transport's buffer is full (the client is
/// not reading), which is what slows a pipelining client to the pace of its own reading; no flush waits
/// longer than <see cref="Pop3Options.WriteTimeout"/>. Not thread-safe: one per connection loop.
/// </summary>
/// <param name="bytesWritten">Octets already sent on this connection by a previous writer (the one used before STLS).</param>
public sealed class Pop3ResponseWriter(PipeWriter output, Pop3Options options, TimeProvider time, long bytesWritten = 0)
{
    private long _unflushed;

    /// <summary>True once a flush gave up waiting for the client (and threw <see cref="TimeoutException"/>).</summary>
    public bool TimedOut { get; private set; }

    /// <summary>Octets handed to the transport so far.</summary>
    public long BytesWritten { get; private set; } = bytesWritten;

    /// <summary>Writes one response, flushing as it goes (see the class summary).</summary>
    /// <exception cref="TimeoutException">A flush waited <see cref="Pop3Options.WriteTimeout"/> for the client to read.</exception>
    /// <exception cref="ConnectionResetException">The connection is gone.</exception>
    public async ValueTask WriteAsync(Pop3Response response)
    {
        Count(response.WriteLinesTo(output));
        if (response.Content is { } content)
        {
            GatewayTelemetry.Pop3Retrievals.Add(1, new KeyValuePair<string, object?>("command", content.BodyLines == int.MaxValue ? "retr" : "top"));
            var stuffer = new Pop3DotStuffer(content);
            var before = 0L;
            bool complete;
            do
            {
                complete = stuffer.WriteNext(output, options.ResponseBufferSize);
                Count(stuffer.BytesWritten - before);
                before = stuffer.BytesWritten;
                if (!complete)
                {
                    await FlushAsync();
                }
            }
            while (!complete);
            GatewayTelemetry.Pop3RetrievedBytes.Add(stuffer.BytesWritten);
        }

        if (_unflushed >= options.ResponseBufferSize)
        {
            await FlushAsync();
        }
    }

    /// <summary>Writes one status line and flushes it.</summary>
    public async ValueTask WriteLineAsync(string line)
    {
        await WriteAsync(new Pop3Response(line));
        await FlushAsync();
    }

    /// <summary>Sends what was written; waits at most <see cref="Pop3Options.WriteTimeout"/> for the client to make room.</summary>
    public async ValueTask FlushAsync()
    {
        _unflushed = 0;
        var flush = output.FlushAsync();
        if (flush.IsCompleted && flush.Result.IsCanceled)
        {
            // A previous flush's deadline fired just after that flush completed; its cancel carries over to
            // the next flush (PipeWriter.CancelPendingFlush's contract). It is stale: flush again.
            flush = output.FlushAsync();
        }

        FlushResult result;
        if (flush.IsCompleted)
        {
            result = flush.Result;
        }
        else
        {
            using (time.CreateTimer(static state => ((PipeWriter)state!).CancelPendingFlush(), output, options.WriteTimeout, Timeout.InfiniteTimeSpan))
            {
                result = await flush;
            }

            // Only a flush that was cancelled timed out; a deadline that fired after the client made room is
            // not a timeout (and its cancel is dealt with by the next flush, above).
            if (result.IsCanceled)
            {
                TimedOut = true;
                throw new TimeoutException($"The client read nothing for {options.WriteTimeout}.");
            }
        }

        if (result.IsCompleted)
        {
            throw new ConnectionResetException("The connection closed while a response was being written.");
        }
    }

    private void Count(long octets)
    {
        _unflushed += octets;
        BytesWritten += octets;
    }
}
