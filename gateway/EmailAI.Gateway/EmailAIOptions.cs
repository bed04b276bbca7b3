namespace EmailAI.Gateway;

/// <summary>
/// Node settings under the configuration section "EmailAI" (DESIGN.md's interface contract). The key
/// names are a public contract: extend, never rename.
/// </summary>
public sealed class EmailAIOptions
{
    public const string Section = "EmailAI";

    /// <summary>Domain in the greeting and EHLO reply ("SMTP Server Domain"). Default: the machine's host name.</summary>
    public string ServerDomain { get; set; } = System.Net.Dns.GetHostName();

    /// <summary>Where the embedded default keeps its SQLite file and the generated admin token.</summary>
    public string DataDirectory { get; set; } = "./data";

    public ListenerOptions Smtp { get; set; } = new() { Port = 25 };

    public ListenerOptions Pop3 { get; set; } = new() { Port = 110 };

    public AdminOptions Admin { get; set; } = new();

    public StorageOptions Storage { get; set; } = new();

    public ClusterOptions Cluster { get; set; } = new();
}
