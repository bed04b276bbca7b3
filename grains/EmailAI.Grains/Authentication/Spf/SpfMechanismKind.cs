namespace EmailAI.Grains.Authentication.Spf;

/// <summary>The mechanisms of RFC 7208 §5, in the order the RFC defines them.</summary>
public enum SpfMechanismKind
{
    /// <summary>§5.1: always matches.</summary>
    All,

    /// <summary>§5.2: matches when check_host() of the target passes.</summary>
    Include,

    /// <summary>§5.3: the client address is one of the target's A or AAAA records.</summary>
    A,

    /// <summary>§5.4: the client address is one of the target's mail exchangers' addresses.</summary>
    Mx,

    /// <summary>§5.5 (do not use): a validated reverse name of the client ends in the target.</summary>
    Ptr,

    /// <summary>§5.6: the client's IPv4 address is in the network.</summary>
    Ip4,

    /// <summary>§5.6: the client's IPv6 address is in the network.</summary>
    Ip6,

    /// <summary>§5.7: the target (usually built with macros) has an A record.</summary>
    Exists,
}
