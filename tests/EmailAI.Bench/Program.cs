using EmailAI.Bench;

// Entry point: parse, warm up (unmeasured), run once measured, print the summary line (and JSON line with --json),
// then the first distinct errors. Exit code: 0 all accepted, 1 any error, 2 usage, 130 cancelled (Ctrl+C).
if (args.Length > 0 && args[0] == "store-scaling")
{
    return await StoreScalingBenchmark.RunAsync(args);
}
if (args.Length > 0 && args[0] == "pop3")
{
    return await Pop3Command.RunAsync(args);
}
if (args.Length > 0 && args[0] == "idle-tls")
{
    return await IdleTlsCommand.RunAsync(args);
}
if (args.Length > 0 && args[0] == "geo")
{
    return GeoCommand.Run(args);
}
if (args.Length > 0 && args[0] == "sink")
{
    return await SinkCommand.RunAsync(args);
}
if (args.Length > 0 && args[0] == "dns")
{
    return await DnsCommand.RunAsync(args);
}
if (args.Length > 0 && args[0] == "fuzz")
{
    return await FuzzCommand.RunAsync(args);
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var messages = new MessageFactory(options.From, options.To, options.Size, options.HeaderFile is { } headerFile ? File.ReadAllText(headerFile) : "");
LoadResult result;
var errors = new ErrorLog();
DateTimeOffset measuredStartedAt, measuredEndedAt;
try
{
    if (options.Warmup > 0)
    {
        var warmupErrors = new ErrorLog();
        var warmup = await new SmtpLoadRunner(options, messages, warmupErrors)
            .RunAsync(options.Warmup, Math.Min(options.Connections, options.Warmup), "w", cancellation.Token);
        Console.Error.WriteLine($"warmup: ok={warmup.Ok} err={warmup.Errors}");
        PrintErrors(warmupErrors);
    }
    measuredStartedAt = DateTimeOffset.UtcNow;
    result = await new SmtpLoadRunner(options, messages, errors)
        .RunAsync(options.Messages, options.Connections, "m", cancellation.Token);
    measuredEndedAt = DateTimeOffset.UtcNow;
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
if (options.Times)
{
    // Wall-clock bounds of the measured run (Unix epoch seconds), for scripts that time what happens after it.
    Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"started_at={measuredStartedAt.ToUnixTimeMilliseconds() / 1000.0:0.000} ended_at={measuredEndedAt.ToUnixTimeMilliseconds() / 1000.0:0.000}"));
}
PrintErrors(errors);
return result.Errors == 0 && result.Ok == options.Messages ? 0 : 1;

static void PrintErrors(ErrorLog errors)
{
    foreach (var (error, count) in errors.Distinct(5))
    {
        Console.Error.WriteLine($"  error x{count}: {error}");
    }
}
