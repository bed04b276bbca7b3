namespace EmailAI.Grains.Authentication;

/// <summary>
/// Runs SPF (RFC 7208), DKIM (RFC 6376, RFC 8463), ARC (RFC 8617) and DMARC (RFC 7489) on one received message,
/// once per message. Awaits DNS without holding any grain turn (it is a plain service, called from a reentrant
/// stateless worker). Never throws for DNS trouble or a malformed message: those are results. Safe to repeat.
/// </summary>
public interface IMessageAuthenticator
{
    Task<AuthenticationReport> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken = default);
}
