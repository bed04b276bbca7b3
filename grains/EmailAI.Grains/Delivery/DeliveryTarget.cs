using System.Net;

namespace EmailAI.Grains.Delivery;

/// <summary>Where one connection goes: the host name (for logs, TLS SNI and DSNs), the address, the port.</summary>
public sealed record DeliveryTarget(string Host, IPAddress Address, int Port)
{
    public override string ToString() => Host == Address.ToString() ? $"[{Address}]:{Port}" : $"{Host}[{Address}]:{Port}";
}
