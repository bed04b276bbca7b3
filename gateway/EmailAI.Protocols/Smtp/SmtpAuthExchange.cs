using EmailAI.Protocols.Auth;
using EmailAI.Protocols.Common;

namespace EmailAI.Protocols.Smtp;

/// <summary>
/// One SMTP AUTH exchange (RFC 4954 §4) over a SASL mechanism: base64 in both directions, <c>*</c> to cancel,
/// <c>=</c> for an empty initial response, SCRAM's server-final sent as a 334 challenge whose outcome the client's
/// next line completes, and every outcome mapped to its reply. While <see cref="IsOpen"/>, the session hands it
/// every line (pipelined ones too) and never runs them as commands. Nothing the client sent is kept in
/// <see cref="Reason"/>: that is the log's, and a response may hold a password. Not thread-safe.
/// </summary>
internal sealed class SmtpAuthExchange(ISaslMechanism mechanism, int maxResponseLength)
{
    /// <summary>The mechanisms offered, in EHLO's order (RFC 4954 §3).</summary>
    public const string Mechanisms = "PLAIN LOGIN SCRAM-SHA-256";

    // After a server-final challenge (SCRAM v= or e=): the outcome the client's next line completes.
    private SaslStep? _final;

    /// <summary>True while the exchange waits for the client's next response.</summary>
    public bool IsOpen { get; private set; }

    /// <summary>The verifier's account once the exchange succeeded.</summary>
    public string? Account { get; private set; }

    /// <summary>Why the last reply was not a success, for the log (never a secret).</summary>
    public string? Reason { get; private set; }

    /// <summary>The mechanism for an AUTH argument (case-insensitive), or null when it is not one we offer.</summary>
    public static ISaslMechanism? CreateMechanism(string name, ICredentialVerifier verifier, LoginRequest request, Func<ICredentialVerifier, LoginRequest, ISaslMechanism> scram) =>
        name.ToUpperInvariant() switch
        {
            "PLAIN" => new SaslPlain(verifier, request),
            "LOGIN" => new SaslLogin(verifier, request),
            "SCRAM-SHA-256" => scram(verifier, request),
            _ => null,
        };

    /// <summary>Begins the exchange: the first challenge, or the answer to the initial response given on the AUTH line.</summary>
    public async ValueTask<SmtpReply> StartAsync(string? initialResponse, CancellationToken cancellationToken)
    {
        if (initialResponse is null)
        {
            return Continue(mechanism.Start());
        }

        if (!SaslBase64.TryDecodeInitial(initialResponse, out var response))
        {
            return End(SmtpReplies.AuthBadBase64, "initial response is not base64");
        }

        return await RespondAsync(response, cancellationToken);
    }

    /// <summary>Takes one line of the running exchange, as the framer delivered it.</summary>
    public async ValueTask<SmtpReply> ReadAsync(FramedLineKind kind, string line, CancellationToken cancellationToken)
    {
        var final = _final;
        IsOpen = false;
        _final = null;
        if (kind == FramedLineKind.TooLong)
        {
            return End(SmtpReplies.AuthLineTooLong, $"SASL response longer than {maxResponseLength} octets");
        }

        // A failure stands whatever the client answers the server-final with (it usually cancels); the client's
        // empty line completes a success.
        if (final is not null && (final.Outcome != SaslOutcome.Succeeded || (kind == FramedLineKind.Line && line.Length == 0)))
        {
            return Finish(final);
        }

        if (kind == FramedLineKind.Line && line == SaslBase64.Cancel)
        {
            return End(SmtpReplies.AuthCancelled, "client cancelled the exchange");
        }

        if (final is not null)
        {
            return Finish(SaslStep.Malformed("non-empty response to the server-final message", final.User));
        }

        if (kind != FramedLineKind.Line || !SaslBase64.TryDecode(line, out var response))
        {
            return End(SmtpReplies.AuthBadBase64, "SASL response is not base64");
        }

        return await RespondAsync(response, cancellationToken);
    }

    private async ValueTask<SmtpReply> RespondAsync(byte[] response, CancellationToken cancellationToken)
    {
        SaslStep step;
        try
        {
            step = await mechanism.RespondAsync(response, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The verifier's failures are temporary by contract. Only the exception's type is logged: a message
            // could quote what it was given.
            step = new SaslStep(SaslOutcome.TemporaryFailure, Reason: "credential verifier failed: " + ex.GetType().Name);
        }

        return Continue(step);
    }

    /// <summary>Sends a challenge and keeps the exchange open, or ends it with the step's outcome.</summary>
    private SmtpReply Continue(SaslStep step)
    {
        if (step.Challenge is null)
        {
            return Finish(step);
        }

        IsOpen = true;
        Reason = null;
        _final = step.IsFinal ? step : null;
        return SmtpReplies.AuthChallenge(SaslBase64.Encode(step.Challenge));
    }

    private SmtpReply Finish(SaslStep step)
    {
        var reason = step.User is null ? step.Reason : $"{step.Reason}, sasl_username={step.User}";
        switch (step.Outcome)
        {
            case SaslOutcome.Succeeded:
                Account = step.Account;
                return End(SmtpReplies.AuthSucceeded, null);
            case SaslOutcome.Failed:
                return End(SmtpReplies.AuthInvalid, reason);
            case SaslOutcome.Throttled:
                return End(SmtpReplies.AuthThrottled, reason);
            case SaslOutcome.TemporaryFailure:
                return End(SmtpReplies.AuthTemporaryFailure, reason);
            default:
                return End(SmtpReplies.AuthMalformed, reason);
        }
    }

    private SmtpReply End(SmtpReply reply, string? reason)
    {
        IsOpen = false;
        _final = null;
        Reason = reason;
        return reply;
    }
}
