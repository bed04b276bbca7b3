using EmailAI.Contracts;
using EmailAI.Grains.Policy;

namespace EmailAI.Grains;

/// <summary>
/// The cluster's relay policy: the Authorised IP list, the auto white list option, the submission senders rule and
/// IP location blocking. Settings are validated whole before anything is stored, so a bad entry leaves the previous
/// settings in force, and every error is reported at once. Decisions do not call this grain: every silo's <see cref="RelayPolicyCache"/> polls
/// <see cref="GetIfNewerAsync"/>, and the silo this grain lives on gets each change at once.
/// </summary>
public sealed class RelayPolicyGrain(
    [PersistentState(StorageNames.RelayPolicyState, StorageNames.Provider)] IPersistentState<RelayPolicyState> state,
    RelayPolicyCache cache) : Grain, IRelayPolicyGrain
{
    /// <summary>Longest IP location blocking message; it is sent in a single SMTP reply line.</summary>
    public const int MaxMessageLength = 200;

    public Task<RelaySettings> GetAsync() => Task.FromResult(state.State.Settings);

    public Task<RelayPolicySnapshot?> GetIfNewerAsync(long knownVersion) =>
        Task.FromResult(state.State.Version > knownVersion || knownVersion < 0 ? Snapshot() : null);

    public async Task<AdminResult> UpdateAsync(RelaySettingsUpdate update)
    {
        if (update.ExpectedVersion is { } expected && expected != state.State.Version)
        {
            return AdminResult.Conflict($"the relay policy changed since version {expected} (it is at version {state.State.Version} now): read it again and repeat the change");
        }

        var current = state.State.Settings;
        var blocking = current.IpLocationBlocking;
        var errors = new List<string>();
        var authorised = Compile(update.AuthorisedIps ?? current.AuthorisedIps, "authorisedIps", errors);
        var ranges = Compile(update.BlockedRanges ?? blocking.Ranges, "ipLocationBlocking.blockedRanges", errors);
        var blocked = Countries(update.BlockedCountries ?? blocking.BlockedCountries, "ipLocationBlocking.blockedCountries", errors);
        var allowed = Countries(update.AllowedCountries ?? blocking.Allowed, "ipLocationBlocking.allowedCountries", errors);
        foreach (var both in blocked.Intersect(allowed))
        {
            errors.Add($"'{both}' is in both ipLocationBlocking.blockedCountries and allowedCountries");
        }

        var senders = current.SubmissionSenders;
        if (update.SubmissionSenders is { } text && !TryParseSenders(text, out senders))
        {
            errors.Add($"submissionSenders must be \"own\", \"domain\" or \"any\", not '{text}'");
        }

        var requested = update.BlockingMessage ?? blocking.Message;
        var message = string.IsNullOrWhiteSpace(requested) ? IpLocationBlocking.DefaultMessage : requested.Trim();
        if (message.Length > MaxMessageLength || !message.All(c => c is >= ' ' and <= '~'))
        {
            // RFC 5321 §4.2: reply text is printable US-ASCII, and the message is sent as one reply line.
            errors.Add($"ipLocationBlocking.message must be one line of at most {MaxMessageLength} printable US-ASCII characters");
        }

        if (errors.Count > 0)
        {
            return AdminResult.Invalid(string.Join("; ", errors));
        }

        var previous = (state.State.Settings, state.State.Version);
        state.State.Settings = new RelaySettings(
            authorised,
            update.AutoWhiteListRecipients ?? current.AutoWhiteListRecipients,
            new IpLocationBlocking(blocked, message, allowed, ranges, update.BlockUnknown ?? blocking.BlockUnknown),
            senders);
        state.State.Version++;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not stored, so not in force: the caches must never see a version the store does not have.
            (state.State.Settings, state.State.Version) = previous;
            throw;
        }

        cache.Publish(Snapshot());
        return new AdminResult(AdminOutcome.Updated);
    }

    /// <summary>The admin API's names of <see cref="SubmissionSenders"/>, case-insensitive; numbers are refused.</summary>
    public static bool TryParseSenders(string text, out SubmissionSenders senders)
    {
        senders = text.ToLowerInvariant() switch
        {
            "own" => SubmissionSenders.Own,
            "domain" => SubmissionSenders.Domain,
            "any" => SubmissionSenders.Any,
            _ => (SubmissionSenders)(-1),
        };
        return Enum.IsDefined(senders);
    }

    private RelayPolicySnapshot Snapshot() => new(state.State.Version, state.State.Settings);

    /// <summary>The entries as stored (each one's own text, duplicates dropped); a bad one adds its error.</summary>
    private static List<string> Compile(IEnumerable<string> entries, string field, List<string> errors)
    {
        var patterns = new List<string>();
        foreach (var entry in entries)
        {
            if (IpPattern.TryParse(entry, out var pattern))
            {
                patterns.Add(pattern.Text);
            }
            else
            {
                errors.Add($"{field}: '{entry}' is not an IP address, a %-wildcard (192.168.1.%) or a CIDR block");
            }
        }

        return [.. patterns.Distinct()];
    }

    /// <summary>The codes upper-cased, duplicates dropped; a bad one adds its error.</summary>
    private static List<string> Countries(IEnumerable<string> entries, string field, List<string> errors)
    {
        var codes = new List<string>();
        foreach (var entry in entries)
        {
            if (CountryCodes.TryNormalize(entry, out var code, out var error))
            {
                codes.Add(code);
            }
            else
            {
                errors.Add($"{field}: {error}");
            }
        }

        return [.. codes.Distinct()];
    }
}
