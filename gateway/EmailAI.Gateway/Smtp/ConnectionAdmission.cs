using System.Net;

namespace EmailAI.Gateway.Smtp;

/// <summary>
/// The outcome of <see cref="ConnectionLimiter.AcquireAsync"/>. When <see cref="Admitted"/>, the caller holds a slot
/// and must hand this value back to <see cref="ConnectionLimiter.Release"/> exactly once; a refusal holds nothing.
/// </summary>
/// <param name="Refusal">The limit that refused the connection, or <see cref="ConnectionRefusal.None"/>.</param>
/// <param name="Group">The client's group (<see cref="ClientGroup.Of"/>), the key its per-client counts are kept by.</param>
/// <param name="Exemption">Why a client over a per-client limit was admitted, or <see cref="ConnectionExemption.None"/>.</param>
public readonly record struct ConnectionAdmission(ConnectionRefusal Refusal, IPAddress Group, ConnectionExemption Exemption)
{
    public bool Admitted => Refusal == ConnectionRefusal.None;
}
