using EmailAI.Grains.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
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

        // APOP secrets are stored encrypted: a node that offers APOP refuses to start without the key.
        var offersApop = builder.Configuration.GetValue<bool>("EmailAI:Pop3:EnableApop");
        builder.Services.AddOptions<ApopSecretOptions>()
            .Bind(builder.Configuration.GetSection(ApopSecretOptions.Section))
            .Validate(
                o => !offersApop || !string.IsNullOrWhiteSpace(o.ApopSecretKey) || !string.IsNullOrWhiteSpace(o.ApopSecretKeyFile),
                "EmailAI:Pop3:EnableApop is true but neither EmailAI:Pop3:ApopSecretKey nor EmailAI:Pop3:ApopSecretKeyFile is set: APOP secrets are stored encrypted with that key (make one with `openssl rand -base64 32`)")
            .ValidateOnStart();
        builder.Services.AddSingleton<ApopSecretProtector>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(AuthMetrics.Name));
        return builder;
    }
}
