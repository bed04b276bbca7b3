namespace EmailAI.Gateway.Smtp;

/// <summary>Why a client over a per-client limit was admitted all the same (the <c>reason</c> tag of the exemption metric).</summary>
public enum ConnectionExemption
{
    /// <summary>Not exempted: the client was within its limits, or was refused.</summary>
    None,

    /// <summary>A loopback client while <c>ExemptLoopback</c> is on.</summary>
    Loopback,

    /// <summary>A client on the cluster's Authorised IP list.</summary>
    AuthorisedIp,
}
