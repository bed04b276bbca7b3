namespace EmailAI.Grains.Authentication;

/// <summary>What the checks ask ingest to do with the whole message.</summary>
public enum AuthenticationDisposition
{
    /// <summary>Store it, with the results recorded.</summary>
    Accept,

    /// <summary>DMARC failed under a reject policy, and <see cref="AuthenticationOptions.DmarcReject"/> is on: 550 5.7.1.</summary>
    Reject,

    /// <summary>A temporary DNS failure on the way to what could be a reject: 451 4.7.5, never 250-then-drop.</summary>
    TemporaryFailure,
}
