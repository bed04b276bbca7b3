using EmailAI.Protocols.Common;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// The host's side of one fuzzed session, shared by the SMTP and POP3 drivers: plays a case's steps (reads, TLS
/// handshakes, waits with the deadline check, faults), collects the violations and the replies seen, and holds the
/// invariant that the session's deadline never moves backwards.
/// </summary>
public abstract class FuzzSession
{
    public static readonly DateTimeOffset StartTime = new(2025, 3, 14, 15, 9, 26, TimeSpan.Zero);

    public static readonly TlsSessionInfo Tls13 = new("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256);

    private DateTimeOffset _deadline = DateTimeOffset.MinValue;

    protected FuzzSession(Random? splitter)
    {
        Splitter = splitter;
    }

    public List<string> Violations { get; } = [];

    public HashSet<string> Codes { get; } = [];

    protected FakeTimeProvider Time { get; } = new(StartTime);

    protected Random? Splitter { get; }

    protected FuzzInput Input { get; } = new();

    /// <summary>The session's deadline now.</summary>
    protected abstract DateTimeOffset Deadline { get; }

    public async Task ExecuteAsync(IReadOnlyList<FuzzStep> steps)
    {
        CheckDeadline("the greeting");
        foreach (var step in steps)
        {
            switch (step.Kind)
            {
                case FuzzStepKind.Send:
                    foreach (var read in FuzzInput.Reads(Prepare(step.Bytes), Splitter))
                    {
                        await PumpAsync(read);
                    }

                    break;
                case FuzzStepKind.Handshake:
                    Handshake();
                    CheckDeadline("the handshake");
                    break;
                case FuzzStepKind.Advance:
                    Time.Advance(step.Advance);
                    TimeOut();
                    CheckDeadline("the timeout check");
                    break;
                default:
                    Inject(step.Fault);
                    break;
            }
        }
    }

    /// <summary>Runs the case, turning an exception that escaped the engine into a violation; then the end-of-case checks.</summary>
    public async Task<FuzzOutcome> RunAsync(IReadOnlyList<FuzzStep> steps)
    {
        try
        {
            await ExecuteAsync(steps);
        }
        catch (Exception ex)
        {
            Violations.Add($"exception escaped the engine: {ex}");
        }

        Finish();
        return new FuzzOutcome(Transcript(), Violations, Codes);
    }

    /// <summary>The step's bytes as sent (the POP3 driver puts the APOP digest in).</summary>
    protected virtual byte[] Prepare(byte[] bytes) => bytes;

    /// <summary>One read, handled as the gateway's pump handles it.</summary>
    protected abstract Task PumpAsync(ReadOnlyMemory<byte> read);

    /// <summary>The handshake completed, if the session asked for one.</summary>
    protected abstract void Handshake();

    /// <summary>The host's wait ended: the session's deadline check.</summary>
    protected abstract void TimeOut();

    protected abstract void Inject(int fault);

    protected abstract void Finish();

    protected abstract string Transcript();

    /// <summary>A session that is open, not waiting for a handshake, and not in DATA must answer every complete line.</summary>
    protected void CheckNothingLeftUnanswered(bool mayHoldLines)
    {
        if (!mayHoldLines && Input.HoldsLineFeed)
        {
            Violations.Add($"a complete line was left unanswered: {FuzzText.Literal(System.Buffers.BuffersExtensions.ToArray(Input.Sequence))}");
        }
    }

    protected void CheckDeadline(string after)
    {
        if (Deadline < _deadline)
        {
            Violations.Add($"the deadline moved backwards after {after}: {_deadline:O} → {Deadline:O}");
        }

        _deadline = Deadline;
    }
}
