namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// One embedded server with small slot-holding limits for <see cref="SmtpSlotHoldingTests"/>: three SMTP slots, a 2 s
/// data idle timeout at the default 500 octets/s, 4 s of DATA, 5 junk commands, 3 errors, 8 s per session.
/// The tests of one class run one after another, so each may take every slot.
/// </summary>
public sealed class SmtpSlotsFixture : IAsyncLifetime
{
    public const int MaxConnections = 3;
    public static readonly TimeSpan DataIdleTimeout = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxDataDuration = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan MaxSessionDuration = TimeSpan.FromSeconds(8);
    public const int MaxJunkCommands = 5;
    public const int MaxErrors = 3;

    public ServerProcess Server { get; } = new(new Dictionary<string, string>
    {
        ["EmailAI:Smtp:MaxConnections"] = MaxConnections.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EmailAI:Smtp:DataIdleTimeout"] = DataIdleTimeout.ToString(),
        ["EmailAI:Smtp:MinDataRate"] = "500",
        ["EmailAI:Smtp:MaxDataDuration"] = MaxDataDuration.ToString(),
        ["EmailAI:Smtp:MaxSessionDuration"] = MaxSessionDuration.ToString(),
        ["EmailAI:Smtp:CommandTimeout"] = "00:00:30",
        ["EmailAI:Smtp:MaxJunkCommands"] = MaxJunkCommands.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EmailAI:Smtp:MaxErrors"] = MaxErrors.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
