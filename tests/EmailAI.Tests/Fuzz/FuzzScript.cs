using System.Text;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// The shape both generators give a conversation: up to 30 client actions, each a few lines that are mutated now and
/// then, sent one per read or pipelined in batches, with faults and waits between batches, the handshake after the
/// protocol's TLS command (mostly: sometimes the client pipelines past it), and now and then a closing command with
/// more after it (which must get nothing).
/// </summary>
public sealed record FuzzScript(int Faults, Func<Random, TimeSpan> Wait, int MaxLineLength, string TlsCommand, string Closing)
{
    public IReadOnlyList<FuzzStep> Generate(Random random, Func<Random, IEnumerable<string>> action)
    {
        var steps = new List<FuzzStep>();
        var batch = new List<byte>();
        var turns = random.Next(1, 30);
        for (var turn = 0; turn < turns; turn++)
        {
            switch (random.Next(100))
            {
                case < 3:
                    Flush(steps, batch);
                    steps.Add(FuzzStep.Failure(random.Next(Faults)));
                    continue;
                case < 5:
                    Flush(steps, batch);
                    steps.Add(FuzzStep.Wait(Wait(random)));
                    continue;
            }

            foreach (var line in action(random))
            {
                batch.AddRange(random.Next(7) == 0 ? FuzzMutator.Mutate(random, line, MaxLineLength) : Encoding.UTF8.GetBytes(line + "\r\n"));
                if (line == TlsCommand && random.Next(4) != 0)
                {
                    Flush(steps, batch);
                    steps.Add(FuzzStep.Handshake);
                }
            }

            if (random.Next(3) == 0)
            {
                Flush(steps, batch);
            }
        }

        Flush(steps, batch);
        if (random.Next(3) == 0)
        {
            steps.Add(FuzzStep.Send(Closing));
        }

        return steps;
    }

    private static void Flush(List<FuzzStep> steps, List<byte> batch)
    {
        if (batch.Count > 0)
        {
            steps.Add(FuzzStep.Send([.. batch]));
            batch.Clear();
        }
    }
}
