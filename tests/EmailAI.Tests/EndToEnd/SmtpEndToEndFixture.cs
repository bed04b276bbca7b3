namespace EmailAI.Tests.EndToEnd;

/// <summary>
/// One embedded server with default SMTP limits shared by <see cref="SmtpEndToEndTests"/>; its SMTP Server
/// Domain is set to a name no default could produce, so the greeting test proves the setting is used. The
/// server's postmaster mail goes to <see cref="PostmasterAccount"/>, which the postmaster tests create.
/// </summary>
public sealed class SmtpEndToEndFixture : IAsyncLifetime
{
    public const string ServerDomain = "greeting.e2e.example";

    public const string PostmasterAccount = "hostmaster@admin.smtp.test";

    public ServerProcess Server { get; } = new(new Dictionary<string, string>
    {
        ["EmailAI:ServerDomain"] = ServerDomain,
        ["EmailAI:PostmasterAccount"] = PostmasterAccount,
    });

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
