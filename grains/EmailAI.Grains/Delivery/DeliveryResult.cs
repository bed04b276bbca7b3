namespace EmailAI.Grains.Delivery;

/// <summary>What one job's send left behind: whether the connection can carry another, and whether its results reached the store.</summary>
internal readonly record struct DeliveryResult(bool Broken, bool Recorded);
