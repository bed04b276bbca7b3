using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// How an SMTP fuzz session is set up: its listener and the limits the generator aims at (small ones, so their
/// edges are reached in a few commands). Timeouts stay at their defaults, equal for commands and DATA, so a
/// deadline that moves backwards is a defect rather than a change of timer.
/// </summary>
public sealed record SmtpFuzzSetup(
    SmtpFuzzProfile Profile,
    int MaxPendingReplyBytes,
    long MaxMessageSize,
    int MaxRecipients,
    int MaxRecipientOvershoot,
    int MaxErrors,
    int MaxReceivedHeaders,
    LongLinePolicy LongLines,
    BareLineFeedPolicy BareLineFeeds)
{
    public SmtpOptions CreateOptions() => new()
    {
        ServerDomain = SmtpFuzzTarget.ServerDomain,
        MaxPendingReplyBytes = MaxPendingReplyBytes,
        MaxMessageSize = MaxMessageSize,
        MaxRecipients = MaxRecipients,
        MaxRecipientOvershoot = MaxRecipientOvershoot,
        MaxErrors = MaxErrors,
        MaxReceivedHeaders = MaxReceivedHeaders,
        LongLines = LongLines,
        BareLineFeeds = BareLineFeeds,
        AllowInsecureAuth = Profile == SmtpFuzzProfile.InsecureAuth,
    };

    public static SmtpFuzzSetup Generate(Random random) => new(
        (SmtpFuzzProfile)random.Next(5),
        random.Next(3) == 0 ? random.Next(1, 600) : 16 * 1024,
        random.Next(3) == 0 ? random.Next(100, 5000) : 10_240_000,
        random.Next(3) == 0 ? random.Next(1, 4) : 1000,
        random.Next(3) == 0 ? random.Next(0, 3) : 1000,
        random.Next(3) == 0 ? random.Next(1, 8) : 20,
        random.Next(3) == 0 ? random.Next(0, 4) : 50,
        random.Next(2) == 0 ? LongLinePolicy.Accept : LongLinePolicy.Reject,
        random.Next(2) == 0 ? BareLineFeedPolicy.Normalize : BareLineFeedPolicy.Reject);

    public override string ToString() =>
        $"new SmtpFuzzSetup(SmtpFuzzProfile.{Profile}, {MaxPendingReplyBytes}, {MaxMessageSize}, {MaxRecipients}, {MaxRecipientOvershoot}, {MaxErrors}, {MaxReceivedHeaders}, LongLinePolicy.{LongLines}, BareLineFeedPolicy.{BareLineFeeds})";
}
