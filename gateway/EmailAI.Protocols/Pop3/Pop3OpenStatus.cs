namespace EmailAI.Protocols.Pop3;

public enum Pop3OpenStatus
{
    Opened,

    /// <summary>Another session holds the maildrop lock (RFC 2449 [IN-USE]).</summary>
    InUse,

    TemporaryFailure,
}
