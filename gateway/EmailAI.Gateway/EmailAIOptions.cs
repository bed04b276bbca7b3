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

    /// <summary>Message submission (RFC 6409) with STARTTLS; AUTH before MAIL. The SMTP limits (EmailAI:Smtp) apply.</summary>
    public ListenerOptions Submission { get; set; } = new() { Port = 587 };

    /// <summary>Message submission over implicit TLS (RFC 8314 §3.3); AUTH before MAIL.</summary>
    public ListenerOptions Submissions { get; set; } = new() { Port = 465 };

    /// <summary>POP3 over implicit TLS (RFC 8314 §3.3). The POP3 limits (EmailAI:Pop3) apply.</summary>
    public ListenerOptions Pop3s { get; set; } = new() { Port = 995 };

    public Tls.TlsOptions Tls { get; set; } = new();

    public AdminOptions Admin { get; set; } = new();

    public StorageOptions Storage { get; set; } = new();

    public ClusterOptions Cluster { get; set; } = new();
}
