namespace EmailAI.Gateway;

/// <summary>The admin HTTP API. Loopback-only by default; every /api path needs the bearer token.</summary>
public sealed class AdminOptions
{
    public int Port { get; set; } = 8080;

    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>When empty, a token is generated once, saved as <c>admin-token</c> in the data directory and printed at start.</summary>
    public string? Token { get; set; }
}
