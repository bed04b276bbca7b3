using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Logging;

namespace EmailAI.Gateway.Smtp;

/// <summary>
/// Postfix's stress mode (STRESS_README) for this gateway's SMTP sessions: a session that begins while the open
/// sessions (itself included) reach <see cref="SmtpOptions.StressThreshold"/> × <see cref="SmtpOptions.MaxConnections"/>
/// runs under <see cref="SmtpOptions.UnderStress"/>, so idle and erring slot holders are shed quickly. Logged when
/// stress starts and ends; <see cref="Stressed"/> is the <c>emailai.smtp.stress</c> gauge. Thread-safe.
/// </summary>
public sealed class SmtpStress(ILogger<SmtpStress> logger)
{
    private readonly Lock _lock = new();
    private int _open;
    private bool _stressed;

    /// <summary>True while the last session to begin or end left the gateway under stress.</summary>
    public bool Stressed
    {
        get
        {
            lock (_lock)
            {
                return _stressed;
            }
        }
    }

    /// <summary>Sessions open now.</summary>
    public int Open
    {
        get
        {
            lock (_lock)
            {
                return _open;
            }
        }
    }

    /// <summary>A session begins: the options it runs under. Pair with <see cref="Leave"/>.</summary>
    public SmtpOptions Enter(SmtpOptions options)
    {
        bool stressed;
        lock (_lock)
        {
            _open++;
            stressed = options.StressThreshold > 0 && _open >= options.StressThreshold * options.MaxConnections;
            Transition(stressed, options);
        }

        if (!stressed)
        {
            return options;
        }

        GatewayTelemetry.SmtpStressedSessions.Add(1);
        return options.UnderStress();
    }

    /// <summary>A session begun with <see cref="Enter"/> ended.</summary>
    public void Leave(SmtpOptions options)
    {
        lock (_lock)
        {
            _open--;
            Transition(options.StressThreshold > 0 && _open >= options.StressThreshold * options.MaxConnections, options);
        }
    }

    private void Transition(bool stressed, SmtpOptions options)
    {
        if (stressed == _stressed)
        {
            return;
        }

        _stressed = stressed;
        if (stressed)
        {
            logger.LogWarning(
                "SMTP stress mode on: {Open} of {MaxConnections} connections open (StressThreshold {Threshold}); new sessions get CommandTimeout {CommandTimeout}, DataIdleTimeout {DataIdleTimeout}, MaxErrors {MaxErrors}",
                _open, options.MaxConnections, options.StressThreshold, options.StressCommandTimeout, options.StressDataIdleTimeout, options.StressMaxErrors);
        }
        else
        {
            logger.LogInformation("SMTP stress mode off: {Open} of {MaxConnections} connections open", _open, options.MaxConnections);
        }
    }
}
