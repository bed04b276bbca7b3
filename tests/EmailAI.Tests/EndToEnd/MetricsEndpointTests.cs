namespace EmailAI.Tests.EndToEnd;

/// <summary>/metrics carries the .NET runtime meter (System.Runtime: GC, thread pool, memory) and the quarantine gauges.</summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_RuntimeMeterAndQuarantineGauges()
    {
        await using var server = await ServerProcess.StartNewAsync();
        using var anonymous = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.AdminPort}") };
        string metrics = "";
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            metrics = await anonymous.GetStringAsync("/metrics");
            if (metrics.Contains("emailai_quarantine_messages", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(250);
        }

        Assert.Contains("dotnet_gc_collections", metrics);
        Assert.Contains("dotnet_thread_pool_thread_count", metrics);
        Assert.Contains("dotnet_process_memory_working_set_bytes", metrics);
        Assert.Matches(@"(?m)^emailai_quarantine_messages(\{[^}]*\})? 0\b", metrics);
        Assert.Matches(@"(?m)^emailai_quarantine_bytes(\{[^}]*\})? 0\b", metrics);
    }
}
