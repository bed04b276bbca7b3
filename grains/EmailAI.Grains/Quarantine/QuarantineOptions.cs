namespace EmailAI.Grains.Quarantine;

/// <summary>
/// The quarantine of mail from unlisted senders (<c>EmailAI:Quarantine</c>, a silo setting). Held mail is stored
/// outside every quota, so without an end to it a sender could fill the disk through the quarantine instead of the
/// maildrop: every held message is discarded <see cref="Retention"/> after it arrived.
/// </summary>
public sealed class QuarantineOptions
{
    public const string Section = "EmailAI:Quarantine";

    /// <summary>How long a held message is kept for an admin to release it (default 30 days, as Microsoft 365 keeps quarantined mail).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often each silo discards held mail past its retention (default hourly; a message may outlive it by up to this much).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How often each silo reads the quarantine's size for the <c>emailai.quarantine.messages</c>/<c>bytes</c> gauges
    /// (default a minute, as the queue gauges follow the queue scan; one count over the quarantine table).
    /// </summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromMinutes(1);
}
