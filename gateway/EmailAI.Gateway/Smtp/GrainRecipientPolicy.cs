using EmailAI.Contracts;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Smtp;

/// <summary>
/// RCPT decisions, made in the silo: this adapter only passes the session's facts and the recipient as the
/// client wrote it to the grain that decides it (<see cref="RecipientDeciders"/>: the recipient domain's grain,
/// which applies the silo's rules) and turns its verdict into the reply. A call that fails is a temporary failure (451 4.3.0), never an accept.
/// </summary>
public sealed class GrainRecipientPolicy(
    IGrainFactory grains,
    IOptions<EmailAIOptions> options,
    ILogger<GrainRecipientPolicy> logger) : IRecipientPolicy
{
    public async ValueTask<RecipientVerdict> CheckRecipientAsync(SmtpSessionInfo session, SmtpPath sender, SmtpPath recipient, CancellationToken cancellationToken)
    {
        var facts = new SessionFacts(session.RemoteAddress, session.HeloName, session.Tls, session.AuthenticatedIdentity, Country: null, options.Value.ServerDomain);
        var request = new RecipientRequest(
            facts,
            sender.Mailbox?.ToString() ?? "",
            recipient.Mailbox?.LocalPart ?? "",
            recipient.Mailbox?.Domain ?? "",
            recipient.IsBarePostmaster);
        RecipientVerdict verdict;
        try
        {
            var decision = await RecipientDeciders.For(grains, request).DecideRecipientAsync(request).WaitAsync(cancellationToken);
            verdict = decision is { Outcome: PolicyOutcome.Accept, Route: { } route }
                ? new RecipientVerdict(decision.ToReply(), route) { Reason = decision.Reason }
                : RecipientVerdict.Refuse(decision.Outcome == PolicyOutcome.Accept ? SmtpReplies.TemporaryFailure : decision.ToReply(), decision.Reason);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Recipient decision failed in session {SessionId}", session.SessionId);
            verdict = RecipientVerdict.Refuse(SmtpReplies.TemporaryFailure, "the session policy could not be reached");
        }

        if (!verdict.Accepted)
        {
            // The session's event log writes the reject line (with the reason); this counts it.
            GatewayTelemetry.RecipientsRejected.Add(1, new KeyValuePair<string, object?>("code", verdict.Reply.Code));
        }

        return verdict;
    }
}
