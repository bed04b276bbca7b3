namespace EmailAI.Gateway;

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
