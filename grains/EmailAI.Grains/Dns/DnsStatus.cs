namespace EmailAI.Grains.Dns;

/// <summary>How a lookup ended (RFC 1035 §4.1.1 RCODE, RFC 2308 for the two negative answers).</summary>
public enum DnsStatus
{
    /// <summary>NOERROR with at least one record of the asked type.</summary>
    Found,

    /// <summary>NXDOMAIN: the name does not exist.</summary>
    NameNotFound,

    /// <summary>NOERROR with no record of the asked type (NODATA).</summary>
    NoRecords,

    /// <summary>Timeout, SERVFAIL, REFUSED or a malformed answer: try again later; never read as "no records".</summary>
    TemporaryFailure,
}
