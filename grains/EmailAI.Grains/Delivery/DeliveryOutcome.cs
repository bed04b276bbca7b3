namespace EmailAI.Grains.Delivery;

/// <summary>What became of one recipient in one delivery attempt.</summary>
public enum DeliveryOutcome
{
    Delivered,
    Deferred,
    Bounced,
}
