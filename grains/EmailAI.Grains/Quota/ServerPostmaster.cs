using EmailAI.Contracts;
using Microsoft.Extensions.Options;

namespace EmailAI.Grains.Quota;

/// <summary>Names the account of this server's postmaster (<see cref="PostmasterOptions"/>). Thread-safe.</summary>
public sealed class ServerPostmaster(IGrainFactory grains, IOptions<PostmasterOptions> options)
{
    /// <summary>
    /// The address key of the server's postmaster account: <see cref="PostmasterOptions.PostmasterAccount"/>, else
    /// <c>postmaster@</c> <paramref name="serverDomain"/> when <paramref name="isLocal"/> says it is a local domain,
    /// else <c>postmaster@</c> the first local domain in ordinal order; null when there is no local domain at all.
    /// Whether that account exists is the caller's to check.
    /// </summary>
    public async Task<string?> AddressAsync(string? serverDomain, Func<string, Task<bool>> isLocal)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.PostmasterAccount))
        {
            return GrainKeys.Address(options.Value.PostmasterAccount);
        }

        if (GrainKeys.TryNormalizeDomain(serverDomain, out var domain) && await isLocal(domain))
        {
            return "postmaster@" + domain;
        }

        var domains = await grains.GetGrain<IDirectoryGrain>(GrainKeys.Directory).ListDomainsAsync();
        return domains.Count == 0 ? null : "postmaster@" + domains.Min(StringComparer.Ordinal);
    }

    /// <summary>
    /// Checked at start: a configured <see cref="PostmasterOptions.PostmasterAccount"/> must be a plain address (a
    /// dot-string local part, as every account's).
    /// </summary>
    public static bool IsValid(PostmasterOptions options) =>
        string.IsNullOrWhiteSpace(options.PostmasterAccount) || GrainKeys.TryNormalizeAddress(options.PostmasterAccount, out _);
}
