namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// One embedded server with small SMTP limits (message size, recipients, errors) and the strict DATA policies
/// (bare LF and long lines refused) shared by
/// <see cref="SmtpEndToEndLimitTests"/>; each test uses its own connection, so the per-session limits do not interfere.
/// </summary>
public sealed class SmtpLimitsFixture : IAsyncLifetime
{
    public const int MaxMessageSize = 2000;
    public const int MaxRecipients = 3;
    public const int MaxErrors = 3;

    public ServerProcess Server { get; } = new(new Dictionary<string, string>
    {
        ["EmailAI:Smtp:MaxMessageSize"] = MaxMessageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EmailAI:Smtp:MaxRecipients"] = MaxRecipients.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EmailAI:Smtp:MaxErrors"] = MaxErrors.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EmailAI:Smtp:BareLineFeeds"] = "reject",
        ["EmailAI:Smtp:LongLines"] = "reject",
    });

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
