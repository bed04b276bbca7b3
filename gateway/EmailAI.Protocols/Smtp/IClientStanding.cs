namespace EmailAI.Protocols.Smtp;

/// <summary>
/// What the host remembers of a client's recent errors across its sessions (its client group, over a time
/// window), so the error tarpit (<see cref="SmtpOptions.SoftErrorLimit"/>) counts per client rather than per
/// connection. One instance per session; called on the session's loop, must not block.
/// </summary>
public interface IClientStanding
{
    /// <summary>Errors the client group made in other sessions still in the window (this session's own are not included).</summary>
    int PriorErrors { get; }

    /// <summary>This session's client made one more error (a reply that counted toward <see cref="SmtpOptions.MaxErrors"/>).</summary>
    void RecordError();

    /// <summary>
    /// A message from this session's client was accepted: the group's errors are forgotten. Postfix's error delay is
    /// for clients that err "without delivering mail"; a busy MTA behind one address is not a harvester.
    /// </summary>
    void RecordDelivery();
}
