namespace EmailAI.Protocols.Pop3;

/// <summary>RFC 1939 §3 session states.</summary>
public enum Pop3State
{
    /// <summary>Before a successful login.</summary>
    Authorization,

    /// <summary>Logged in, maildrop locked.</summary>
    Transaction,

    /// <summary>QUIT in TRANSACTION: deletions are being committed; the session ends after.</summary>
    Update,
}
