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
public sealed partial class GrainRecipientPolicy(
    IGrainFactory grains,
    IOptions<EmailAIOptions> options,
    ILogger<GrainRecipientPolicy> logger) : IRecipientPolicy
{
    public async ValueTask<RecipientVerdict> CheckRecipientAsync(SmtpSessionInfo session, SmtpPath sender, SmtpPath recipient, CancellationToken cancellationToken)
    {
        var facts = session.ToFacts(options.Value.ServerDomain);
        var request = facts.ToRecipientRequest(sender, recipient, session.DeclaredSize);
        RecipientVerdict verdict;
        try
        {
            var decision = await RecipientDeciders.For(grains, request).DecideRecipientAsync(request).WaitAsync(cancellationToken);
            verdict = decision is { Outcome: PolicyOutcome.Accept, Route: { } route }
                ? new RecipientVerdict(decision.ToReply(), route) { Reason = decision.Reason }
                : RecipientVerdict.Refuse(decision.Outcome == PolicyOutcome.Accept ? SmtpReplies.TemporaryFailure : decision.ToReply(), decision.Reason)
                    with { RefusesSession = decision.BlockedBy is not null };
            if (decision.BlockedBy is { } rule)
            {
                // Once per session: the session answers its later MAIL and RCPT itself (RecipientVerdict.RefusesSession).
                var country = facts.Country ?? (facts.CountryLookedUp ? "unknown" : "none");
                GatewayTelemetry.LocationBlocked.Add(1, new KeyValuePair<string, object?>("country", country), new KeyValuePair<string, object?>("rule", Rule(rule)));
                LogLocationBlocked(logger, session.SessionId, session.RemoteAddress, country, Rule(rule), decision.Reason);
            }
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

    /// <summary>The rule's name as the admin API writes it (<c>blockedCountries</c>).</summary>
    public static string Rule(LocationRule rule) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(rule.ToString());

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: client [{Client}] (country {Country}) refused by IP location blocking, rule {Rule}: {Reason}")]
    private static partial void LogLocationBlocked(ILogger logger, string sessionId, System.Net.IPAddress client, string country, string rule, string reason);
}
