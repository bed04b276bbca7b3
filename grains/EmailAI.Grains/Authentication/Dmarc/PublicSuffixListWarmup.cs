using Microsoft.Extensions.Hosting;

namespace EmailAI.Grains.Authentication.Dmarc;

/// <summary>
/// Reads the Public Suffix List when the silo starts (the singleton is built to construct this service), so a
/// missing file is warned about once at start, not at the first message, and the first message does not pay for it.
/// </summary>
public sealed class PublicSuffixListWarmup(PublicSuffixList list) : IHostedService
{
    /// <summary>Whether the list was read; exposed so the dependency is used, and for diagnostics.</summary>
    public bool IsLoaded => list.IsLoaded;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
