using System.Net;
using EmailAI.Contracts;

namespace EmailAI.Grains;

/// <summary>
/// The cluster's relay policy: the Authorised IP list, the auto white list option and IP location
/// blocking. Settings are validated whole before anything is stored, so a bad entry leaves the previous
/// list in force.
/// </summary>
public sealed class RelayPolicyGrain(
    [PersistentState(StorageNames.RelayPolicyState, StorageNames.Provider)] IPersistentState<RelayPolicyState> state) : Grain, IRelayPolicyGrain
{
    /// <summary>Longest IP location blocking message; it is sent in a single SMTP reply line.</summary>
    public const int MaxMessageLength = 200;

    private IReadOnlyList<IpPattern> _patterns = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _patterns = Compile(state.State.Settings.AuthorisedIps, out _);
        return Task.CompletedTask;
    }

    public Task<RelaySettings> GetAsync() => Task.FromResult(state.State.Settings);

    public async Task<AdminResult> UpdateAsync(RelaySettingsUpdate update)
    {
        var current = state.State.Settings;
        var settings = new RelaySettings(
            update.AuthorisedIps ?? current.AuthorisedIps,
            update.AutoWhiteListRecipients ?? current.AutoWhiteListRecipients,
            new IpLocationBlocking(
                update.BlockedCountries ?? current.IpLocationBlocking.BlockedCountries,
                update.BlockingMessage ?? current.IpLocationBlocking.Message));
        var patterns = Compile(settings.AuthorisedIps, out var errors);
        var blocking = settings.IpLocationBlocking;
        foreach (var country in blocking.BlockedCountries)
        {
            if (country is null || country.Length != 2 || !country.All(char.IsAsciiLetter))
            {
                errors.Add($"'{country}' is not an ISO 3166-1 alpha-2 country code");
            }
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

        state.State.Settings = new RelaySettings(
            [.. patterns.Select(p => p.Text)],
            settings.AutoWhiteListRecipients,
            new IpLocationBlocking([.. blocking.BlockedCountries.Select(c => c.ToUpperInvariant()).Distinct()], message));
        await state.WriteStateAsync();
        _patterns = patterns;
        return new AdminResult(AdminOutcome.Updated);
    }

    public Task<bool> IsAuthorisedAsync(string clientIp) =>
        Task.FromResult(IPAddress.TryParse(clientIp, out var address) && _patterns.Any(p => p.Matches(address)));

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
