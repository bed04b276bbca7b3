using EmailAI.Gateway;

namespace EmailAI.Silo;

/// <summary>Defaults that differ for a silo-only node: it must open a gateway port for the gateways.</summary>
public static class SiloNodeDefaults
{
    public const int GatewayPort = 30000;

    public static IEnumerable<KeyValuePair<string, string?>> For(IConfiguration configuration)
    {
        var key = $"{EmailAIOptions.Section}:Cluster:GatewayPort";
        if (string.IsNullOrEmpty(configuration[key]) || configuration[key] == "0")
        {
            yield return new(key, GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
