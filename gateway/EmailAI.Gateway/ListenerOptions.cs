namespace EmailAI.Gateway;

/// <summary>A protocol listener: "Enable … Server", "… Server Port", "Listen On IP Address".</summary>
public sealed class ListenerOptions
{
    public bool Enabled { get; set; } = true;

    public int Port { get; set; }

    /// <summary><c>Any</c> (all interfaces, IPv4 and IPv6), <c>Localhost</c>, or one IP address.</summary>
    public string ListenAddress { get; set; } = "Any";
}
