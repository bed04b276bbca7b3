using EmailAI.Protocols.Smtp;

namespace EmailAI.Grains.Delivery;

/// <summary>Where mail for one destination goes: the hosts to try in order, or why it cannot go anywhere (4xx: try later; 5xx: bounce).</summary>
public sealed record DeliveryRoute(IReadOnlyList<DeliveryTarget> Targets, SmtpReply? Failure, bool FromMx)
{
    public static DeliveryRoute Fail(int code, string enhanced, string text) => new([], new SmtpReply(code, enhanced, text), false);
}
