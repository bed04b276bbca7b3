using EmailAI.Grains.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace EmailAI.Hosting;

/// <summary>
/// The silo's side of logins: the per-silo password-hashing gate (options from <c>EmailAI:Auth</c>) that account
/// grains await, and its meter, exported with the node's other metrics.
/// </summary>
public static class LoginSiloHosting
{
    public static WebApplicationBuilder AddEmailAIPasswordHashing(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PasswordHashingOptions>()
            .Bind(builder.Configuration.GetSection(PasswordHashingOptions.Section))
            .Validate(o => o.MaxConcurrentHashes > 0, "EmailAI:Auth:MaxConcurrentHashes must be positive")
            .Validate(o => o.HashSlotWait >= TimeSpan.Zero, "EmailAI:Auth:HashSlotWait must not be negative")
            .ValidateOnStart();
        builder.Services.AddSingleton<PasswordHashingService>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(AuthMetrics.Name));
        return builder;
    }
}
