using EmailAI.Contracts;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Smtp;

/// <summary>
/// MAIL FROM of an authenticated session, decided in the silo: this adapter passes the session's facts and the
/// sender as written to the session-policy grain (<see cref="ISenderDecider"/>, which applies the relay policy's
/// <c>submissionSenders</c>) and turns its verdict into the reply. A call that fails is a temporary failure
/// (451 4.3.0), never an accept.
/// </summary>
public sealed partial class GrainSenderPolicy(
    IGrainFactory grains,
    IOptions<EmailAIOptions> options,
    ILogger<GrainSenderPolicy> logger) : ISenderPolicy
{
    public async ValueTask<SenderVerdict> CheckSenderAsync(SmtpSessionInfo session, SmtpPath sender, CancellationToken cancellationToken)
    {
        var facts = session.ToFacts(options.Value.ServerDomain);
        var request = new SenderRequest(facts, sender.Mailbox?.LocalPart ?? "", sender.Mailbox?.Domain ?? "");
        try
        {
            var decision = await grains.GetGrain<ISessionPolicyGrain>(GrainKeys.SessionPolicy).DecideSenderAsync(request).WaitAsync(cancellationToken);
            return new SenderVerdict(decision.Outcome == PolicyOutcome.Accept, decision.ToReply(), decision.Reason);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogDecisionFailed(logger, session.SessionId, ex);
            return new SenderVerdict(false, SmtpReplies.TemporaryFailure, "the session policy could not be reached");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sender decision failed in session {SessionId}")]
    private static partial void LogDecisionFailed(ILogger logger, string sessionId, Exception exception);
}
