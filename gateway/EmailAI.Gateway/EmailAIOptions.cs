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

/// <summary>A protocol listener: "Enable … Server", "… Server Port", "Listen On IP Address".</summary>
public sealed class ListenerOptions
{
    public bool Enabled { get; set; } = true;

    public int Port { get; set; }

    /// <summary><c>Any</c> (all interfaces, IPv4 and IPv6), <c>Localhost</c>, or one IP address.</summary>
    public string ListenAddress { get; set; } = "Any";
}

/// <summary>The admin HTTP API. Loopback-only by default; every /api path needs the bearer token.</summary>
public sealed class AdminOptions
{
    public int Port { get; set; } = 8080;

    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>When empty, a token is generated once, saved as <c>admin-token</c> in the data directory and printed at start.</summary>
    public string? Token { get; set; }
}

public sealed class StorageOptions
{
    public const string Sqlite = "Sqlite";
    public const string PostgreSql = "PostgreSql";

    /// <summary><c>Sqlite</c> (embedded) or <c>PostgreSql</c> (cluster).</summary>
    public string Provider { get; set; } = Sqlite;

    public string? ConnectionString { get; set; }
}

/// <summary>Orleans identity and endpoints of this node's silo.</summary>
public sealed class ClusterOptions
{
    /// <summary>Silo-to-silo port (on loopback in the embedded mode).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port for external Orleans clients; 0 opens none (a gateway in the same process needs none).</summary>
    public int GatewayPort { get; set; }

    /// <summary>Cluster name shared by the nodes of one cluster (PostgreSql provider).</summary>
    public string ClusterId { get; set; } = "emailai";

    /// <summary>Service name: grain state is keyed by it, so it must stay the same across deployments.</summary>
    public string ServiceId { get; set; } = "emailai";

    /// <summary>Address other silos reach this one at; default: this host name's first IPv4 address.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>
    /// Running as a Kubernetes pod (PostgreSql provider): the silo takes its address from POD_IP and its cluster
    /// and service ids from ORLEANS_CLUSTER_ID / ORLEANS_SERVICE_ID, and removes the membership rows of silo pods
    /// that no longer exist (Microsoft.Orleans.Hosting.Kubernetes; needs the RBAC in deploy/kubernetes).
    /// </summary>
    public bool Kubernetes { get; set; }
}
