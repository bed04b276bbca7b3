using EmailAI.Gateway.Smtp;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmailAI.Tests.Smtp;

/// <summary>Stress mode (Postfix's STRESS_README): sessions begun with StressThreshold × MaxConnections open get the stress limits.</summary>
public sealed class SmtpStressTests
{
    private static readonly SmtpOptions Options = new() { MaxConnections = 10, StressThreshold = 0.8, CommandTimeout = TimeSpan.FromMinutes(5), MaxErrors = 20 };

    [Fact]
    public void Enter_BelowTheThreshold_ConfiguredOptions()
    {
        var stress = new SmtpStress(NullLogger<SmtpStress>.Instance);
        for (var i = 0; i < 7; i++)
        {
            Assert.Same(Options, stress.Enter(Options));
        }

        Assert.False(stress.Stressed);
    }

    [Fact]
    public void Enter_AtTheThreshold_StressLimitsThenOffAgainBelowIt()
    {
        var stress = new SmtpStress(NullLogger<SmtpStress>.Instance);
        for (var i = 0; i < 7; i++)
        {
            stress.Enter(Options);
        }

        var stressed = stress.Enter(Options);

        Assert.True(stress.Stressed);
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), 1, 1), (stressed.CommandTimeout, stressed.DataIdleTimeout, stressed.MaxErrors, stressed.MaxJunkCommands));
        Assert.Equal((TimeSpan.FromMinutes(5), 20), (Options.CommandTimeout, Options.MaxErrors));
        stress.Leave(Options);
        Assert.False(stress.Stressed);
        Assert.Equal(7, stress.Open);
    }

    [Fact]
    public void UnderStress_ConfiguredLimitsStricterThanStress_Kept()
    {
        var strict = new SmtpOptions { CommandTimeout = TimeSpan.FromSeconds(2), DataIdleTimeout = TimeSpan.FromSeconds(3), StressMaxErrors = 4, MaxErrors = 2 };

        var stressed = strict.UnderStress();

        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), 2, 1), (stressed.CommandTimeout, stressed.DataIdleTimeout, stressed.MaxErrors, stressed.MaxJunkCommands));
    }

    [Fact]
    public void Enter_ThresholdZero_NeverStressed()
    {
        var off = new SmtpOptions { MaxConnections = 1, StressThreshold = 0 };
        var stress = new SmtpStress(NullLogger<SmtpStress>.Instance);

        Assert.Same(off, stress.Enter(off));
        Assert.Same(off, stress.Enter(off));
        Assert.False(stress.Stressed);
    }

    [Fact]
    public void Transitions_OnAndOff_LoggedOnceEach()
    {
        var logger = new CapturingLogger<SmtpStress>();
        var stress = new SmtpStress(logger);
        var small = new SmtpOptions { MaxConnections = 2, StressThreshold = 1 };

        stress.Enter(small);
        stress.Enter(small);
        stress.Enter(small);
        stress.Leave(small);
        stress.Leave(small);
        stress.Leave(small);

        Assert.Equal(2, logger.Lines.Count);
        Assert.StartsWith("SMTP stress mode on: 2 of 2 connections open", logger.Lines[0]);
        Assert.StartsWith("SMTP stress mode off: 1 of 2 connections open", logger.Lines[1]);
    }
}
