using EmailAI.Contracts;
using EmailAI.Grains.Policy;

namespace EmailAI.Grains;

/// <summary>
/// The cluster's relay policy: the Authorised IP list, the auto white list option and IP location
/// blocking. Settings are validated whole before anything is stored, so a bad entry leaves the previous
/// list in force. Decisions do not call this grain: every silo's <see cref="RelayPolicyCache"/> polls
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
        var current = state.State.Settings;
        var settings = new RelaySettings(
            update.AuthorisedIps ?? current.AuthorisedIps,
            update.AutoWhiteListRecipients ?? current.AutoWhiteListRecipients,
            new IpLocationBlocking(
                update.BlockedCountries ?? current.IpLocationBlocking.BlockedCountries,
                update.BlockingMessage ?? current.IpLocationBlocking.Message),
            current.SubmissionSenders);
        var patterns = Compile(settings.AuthorisedIps, out var errors);
        var blocking = settings.IpLocationBlocking;
        foreach (var country in blocking.BlockedCountries)
        {
            if (country is null || country.Length != 2 || !country.All(char.IsAsciiLetter))
            {
                errors.Add($"'{country}' is not an ISO 3166-1 alpha-2 country code");
            }
        }

        var senders = current.SubmissionSenders;
        if (update.SubmissionSenders is { } text && !TryParseSenders(text, out senders))
        {
            errors.Add($"submissionSenders must be \"own\", \"domain\" or \"any\", not '{text}'");
        }

        var message = string.IsNullOrWhiteSpace(blocking.Message) ? IpLocationBlocking.DefaultMessage : blocking.Message.Trim();
        if (message.Length > MaxMessageLength || message.Any(char.IsControl))
        {
            errors.Add($"ipLocationBlocking.message must be one line of at most {MaxMessageLength} characters");
        }

        if (errors.Count > 0)
        {
            return AdminResult.Invalid(string.Join("; ", errors));
        }

        var previous = (state.State.Settings, state.State.Version);
        state.State.Settings = new RelaySettings(
            [.. patterns.Select(p => p.Text)],
            settings.AutoWhiteListRecipients,
            new IpLocationBlocking([.. blocking.BlockedCountries.Select(c => c.ToUpperInvariant()).Distinct()], message),
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

    private static List<IpPattern> Compile(IEnumerable<string> entries, out List<string> errors)
    {
        errors = [];
        var patterns = new List<IpPattern>();
        foreach (var entry in entries)
        {
            if (IpPattern.TryParse(entry, out var pattern))
            {
                patterns.Add(pattern);
            }
            else
            {
                errors.Add($"'{entry}' is not an IP address, a %-wildcard (192.168.1.%) or a CIDR block");
            }
        }

        return patterns;
    }
}
