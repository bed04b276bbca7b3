namespace EmailAI.Bench;

/// <summary>
/// <c>pop3</c>: retrieval benchmark. Runs one measured pass (no warmup: retrieval deletes what it fetches), prints the
/// summary line (and a JSON line with --json), then the first distinct errors on stderr. Exit code: 0 when every
/// message STAT reported was retrieved and deleted, every QUIT answered +OK, nothing failed and (with --messages) the
/// total matched; 1 otherwise; 2 usage; 130 cancelled (Ctrl+C).
/// </summary>
internal static class Pop3Command
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        Pop3Options options;
        try
        {
            options = Pop3Options.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(Pop3Options.Usage);
            return 2;
        }

        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };

        var errors = new ErrorLog();
        Pop3Result result;
        try
        {
            result = await new Pop3LoadRunner(options, errors).RunAsync(cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }

        Console.WriteLine(result.SummaryLine());
        if (options.Json)
        {
            Console.WriteLine(result.JsonLine());
        }
        foreach (var (error, count) in errors.Distinct(5))
        {
            Console.Error.WriteLine($"  error x{count}: {error}");
        }

        var complete = result.Errors == 0
            && result.QuitOk == options.Accounts
            && result.Retrieved == result.Listed
            && result.Deleted == result.Listed;
        if (result.QuitOk != options.Accounts)
        {
            Console.Error.WriteLine($"  only {result.QuitOk} of {options.Accounts} sessions ended with QUIT +OK");
        }
        if (options.ExpectedMessages is { } expected && result.Listed != expected)
        {
            Console.Error.WriteLine($"  STAT reported {result.Listed} messages in total, expected {expected}");
            complete = false;
        }
        else if (result.Listed == 0)
        {
            Console.Error.WriteLine("  warning: the maildrops were empty (STAT 0 everywhere)");
        }
        return complete ? 0 : 1;
    }
}
