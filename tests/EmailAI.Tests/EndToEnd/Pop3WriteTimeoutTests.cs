using System.Diagnostics;

namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// Writes have deadlines (issue 9 §2): a client that sends RETR for a multi-megabyte message and never reads
/// is cut off after <c>EmailAI:Pop3:WriteTimeout</c>, its connection slot and maildrop lock are freed, and
/// its DELE is not carried out (RFC 1939 §6: UPDATE only on QUIT). A client that reads slowly — a RETR that
/// takes longer than the lock's lease — keeps the lock, because the lease is renewed while the RETR is written.
/// </summary>
public sealed class Pop3WriteTimeoutTests
{
    private const int BigSize = 8 * 1024 * 1024;

    [Fact]
    public async Task Retr_ClientNeverReads_CutOffAfterWriteTimeoutAndSlotLockFreedDeleNotCommitted()
    {
        var writeTimeout = TimeSpan.FromSeconds(3);
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Pop3:WriteTimeout"] = "00:00:03",
            ["EmailAI:Pop3:MaxConnectionsPerClient"] = "1",
            ["EmailAI:Pop3:ExemptLoopback"] = "false",
        });
        const string alice = "alice@writetimeout.pop3.test";
        await server.ProvisionAsync(alice);
        await Pop3Steps.DeliverAsync(server, Pop3Steps.Message("small@writetimeout.pop3.test", "small", "body"), alice);
        await Pop3Steps.DeliverAsync(server, BigMessage("big@writetimeout.pop3.test"), alice);
        var stored = await Pop3Steps.StoredAsync(server, alice);

        using var stalled = await Pop3SlowReader.LoginAsync(server.Pop3Port, alice, Pop3Steps.Password);
        var clock = Stopwatch.StartNew();

        // The QUIT after the RETR is never reached: the server is stuck writing message 2.
        await stalled.SendAsync("DELE 1\r\nRETR 2\r\nQUIT\r\n");
        using (var other = await Pop3RawClient.ConnectAsync(server.Pop3Port, Pop3Steps.Loopback(2)))
        {
            Assert.StartsWith("-ERR [IN-USE]", await other.TryLoginAsync(alice, Pop3Steps.Password));
        }

        using (var sameClient = await Pop3SlowReader.ConnectAsync(server.Pop3Port))
        {
            Assert.StartsWith("-ERR [SYS/TEMP] Too many connections", await sameClient.ReadLineAsync());
        }

        // From the stalled client's own address: its slot and the maildrop lock must both come free.
        using var next = await LoginWhenSlotAndLockFreeAsync(server, alice, writeTimeout + TimeSpan.FromSeconds(20));
        var freedAfter = clock.Elapsed;

        Assert.True(freedAfter >= writeTimeout * 0.9, $"cut off after only {freedAfter}");
        await next.SendAsync("STAT\r\nQUIT\r\n");
        Assert.Equal($"+OK 2 {stored.Sum(m => m.Size)}", await next.ReadLineAsync());
        Assert.EndsWith("(0 messages deleted)", await next.ReadLineAsync());
        Assert.Equal(stored, await Pop3Steps.StoredAsync(server, alice));

        var (octets, closed) = await stalled.DrainAsync(TimeSpan.FromSeconds(20));
        Assert.True(closed, "the stalled connection was not closed");
        Assert.True(octets < BigSize, $"the stalled client got {octets} octets: the whole message, not cut off");
        await server.AssertLogSaysAsync("write timeout");
    }

    [Fact]
    public async Task Retr_SlowerThanTwoLeases_LockKeptOthersRefusedAndQuitCommits()
    {
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string>
        {
            ["EmailAI:Pop3:LockLease"] = "00:00:03",
            ["EmailAI:Pop3:WriteTimeout"] = "00:01:00",
        });
        const string alice = "alice@slowretr.pop3.test";
        await server.ProvisionAsync(alice);
        var message = BigMessage("big@slowretr.pop3.test");
        await Pop3Steps.DeliverAsync(server, message, alice);
        var uid = Assert.Single(await Pop3Steps.StoredAsync(server, alice)).Uid;
        var storedBytes = await Pop3Steps.StoredMessageAsync(server, alice, uid);

        using var slow = await Pop3SlowReader.LoginAsync(server.Pop3Port, alice, Pop3Steps.Password);
        await slow.SendAsync("RETR 1\r\n");
        var clock = Stopwatch.StartNew();
        var attempts = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(8))
        {
            using var other = await Pop3RawClient.ConnectAsync(server.Pop3Port, Pop3Steps.Loopback(3));
            Assert.StartsWith("-ERR [IN-USE]", await other.TryLoginAsync(alice, Pop3Steps.Password));
            attempts++;
            await Task.Delay(500);
        }

        Assert.True(attempts >= 5, $"only {attempts} attempts in {clock.Elapsed}");
        Assert.Equal($"+OK {storedBytes.Length} octets", await slow.ReadLineAsync());
        Assert.Equal(storedBytes, await slow.ReadMultiLineAsync());
        await slow.SendAsync("DELE 1\r\nQUIT\r\n");
        Assert.Equal("+OK message 1 deleted", await slow.ReadLineAsync());
        Assert.EndsWith("(1 messages deleted)", await slow.ReadLineAsync());
        Assert.Empty(await Pop3Steps.StoredAsync(server, alice));
    }

    [Fact]
    public async Task Capa_MegabytePipelinedNeverRead_CommandsRunOnlyAsFastAsRepliesDrainThenCutOff()
    {
        // MaxJunkCommands would end the CAPA burst after 100; this is about the write side.
        await using var server = await ServerProcess.StartNewAsync(new Dictionary<string, string> { ["EmailAI:Pop3:WriteTimeout"] = "00:00:03", ["EmailAI:Pop3:MaxJunkCommands"] = "1000000" });
        const int commands = 1024 * 1024 / 6;
        const int capaOctets = 101;
        using var client = await Pop3SlowReader.ConnectAsync(server.Pop3Port, Pop3Steps.Loopback(61));
        var burst = string.Concat(Enumerable.Repeat("CAPA\r\n", commands));
        var sending = client.SendAsync(burst);

        var (octets, closed) = await client.DrainAfterAsync(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(30));

        Assert.True(closed, "the connection that never read was not cut off");
        Assert.True(octets < commands * (long)capaOctets / 2, $"{octets} octets of CAPA replies reached the client: the server did not stop answering");
        var clock = Stopwatch.StartNew();
        while (!server.Log.Contains("POP3 disconnect from 127.0.0.61", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(100);
        }

        var line = server.Log.Split('\n').Single(l => l.Contains("POP3 disconnect from 127.0.0.61", StringComparison.Ordinal));
        Assert.Contains("write timeout", line, StringComparison.Ordinal);
        var sent = long.Parse(line[(line.IndexOf("sent=", StringComparison.Ordinal) + 5)..].Split(' ')[0]);
        Assert.True(sent < 10 * 1024 * 1024, $"{sent} octets of replies were handed to the transport for {commands} commands");
        await Task.WhenAny(sending, Task.Delay(1000));
    }

    /// <summary>About 8 MB of 76-character lines, some starting with "." (stuffed on the way out).</summary>
    private static byte[] BigMessage(string messageId)
    {
        var lines = new string[(BigSize / 78) + 1];
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = (i % 1000 == 0 ? "." : "x") + new string((char)('a' + (i % 26)), 75);
        }

        return Pop3Steps.Message(messageId, "big", lines);
    }

    /// <summary>Logs in from 127.0.0.1 once a connection is accepted there and the maildrop is not locked.</summary>
    private static async Task<Pop3SlowReader> LoginWhenSlotAndLockFreeAsync(ServerProcess server, string user, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.True(clock.Elapsed < within, $"no slot or no lock for {user} after {clock.Elapsed}");
            var client = await Pop3SlowReader.ConnectAsync(server.Pop3Port);
            var greeting = await client.ReadLineAsync();
            if (greeting.StartsWith("+OK", StringComparison.Ordinal))
            {
                await client.SendAsync($"USER {user}\r\nPASS {Pop3Steps.Password}\r\n");
                Assert.Equal("+OK send PASS", await client.ReadLineAsync());
                var reply = await client.ReadLineAsync();
                if (reply.StartsWith("+OK", StringComparison.Ordinal))
                {
                    return client;
                }

                Assert.StartsWith("-ERR [IN-USE]", reply);
            }
            else
            {
                Assert.StartsWith("-ERR [SYS/TEMP] Too many connections", greeting);
            }

            client.Dispose();
            await Task.Delay(100);
        }
    }
}
