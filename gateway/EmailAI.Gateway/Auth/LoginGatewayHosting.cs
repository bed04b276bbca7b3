using EmailAI.Gateway.Smtp;
using EmailAI.Protocols.Auth;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.DependencyInjection;

namespace EmailAI.Gateway.Auth;

/// <summary>
/// Registers the gateway's login service (<see cref="GrainCredentialVerifier"/>, as <see cref="ICredentialVerifier"/>
/// for SMTP AUTH and as itself for POP3) and the sender policy of authenticated sessions (<see cref="GrainSenderPolicy"/>).
/// The limits come from the <c>EmailAI:Pop3</c> section the gateway already binds to <c>Pop3LoginOptions</c>.
/// </summary>
public static class LoginGatewayHosting
{
    public static IServiceCollection AddEmailAILogin(this IServiceCollection services)
    {
        services.AddSingleton<GrainCredentialVerifier>();
        services.AddSingleton<ICredentialVerifier>(sp => sp.GetRequiredService<GrainCredentialVerifier>());
        services.AddSingleton<ISenderPolicy, GrainSenderPolicy>();
        return services;
    }
}
