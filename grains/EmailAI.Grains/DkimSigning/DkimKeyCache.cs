using System.Collections.Concurrent;
using EmailAI.Contracts;
using Microsoft.Extensions.Logging;

namespace EmailAI.Grains.DkimSigning;

/// <summary>
/// The silo's copy of the domains' DKIM signing keys, so signing costs no grain call per message: each domain's
/// answer (its parsed key, or "none": not local, or no key) is kept for <see cref="Lifetime"/>, and concurrent
/// questions about one domain share one call to its <see cref="IDomainGrain"/>. A key an admin adds, replaces or
/// deletes is therefore in use on every silo within <see cref="Lifetime"/>. A stored key that does not parse is
/// logged as an error and counts as "none" until the next refresh (mail goes unsigned rather than not at all). A
/// failed grain call is not kept: the caller gets the exception (a temporary failure) and the next call asks
/// again. At most <see cref="MaxEntries"/> domains are held: past it expired entries go, and if none has expired
/// the cache starts empty again. Thread-safe.
/// </summary>
public sealed class DkimKeyCache(IGrainFactory grains, TimeProvider time, ILogger<DkimKeyCache> logger)
{
    /// <summary>How long a domain's key (or its absence) is used before the domain grain is asked again.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Domains held at once. Every From: domain of relayed mail is looked up, remote ones included, so an authorised
    /// client writing from ever new domains must not grow the cache without bound.
    /// </summary>
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>
    /// The signing key of <paramref name="domain"/> (a normalised domain key); null when it is not a local domain,
    /// has no key, or its stored key is unusable. Throws what the grain call throws.
    /// </summary>
    public async Task<DkimSigningKey?> GetAsync(string domain)
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(domain, out var held) && held.Expires > now)
        {
            return await held.Key.Value;
        }

        if (_entries.Count >= MaxEntries)
        {
            Trim(now);
        }

        // Lazy: of racing callers only the one whose entry is stored asks the grain.
        var fresh = new Entry(now + Lifetime, new Lazy<Task<DkimSigningKey?>>(() => LoadAsync(domain)));
        var entry = _entries.AddOrUpdate(domain, fresh, (_, old) => old.Expires > now ? old : fresh);
        try
        {
            return await entry.Key.Value;
        }
        catch
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(domain, entry));
            throw;
        }
    }

    private async Task<DkimSigningKey?> LoadAsync(string domain)
    {
        var material = await grains.GetGrain<IDomainGrain>(domain).GetDkimSigningKeyAsync();
        if (material is null)
        {
            return null;
        }

        try
        {
            return DkimSigningKey.Parse(material.Domain, material.Selector, material.PrivateKeyPem);
        }
        catch (FormatException ex)
        {
            logger.LogError(ex, "The DKIM key of {Domain} (selector {Selector}) cannot be read; its mail is sent unsigned until the key is replaced", domain, material.Selector);
            return null;
        }
    }

    private void Trim(DateTimeOffset now)
    {
        foreach (var (domain, entry) in _entries)
        {
            if (entry.Expires <= now)
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(domain, entry));
            }
        }

        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
    }

    private sealed record Entry(DateTimeOffset Expires, Lazy<Task<DkimSigningKey?>> Key);
}
