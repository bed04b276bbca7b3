namespace EmailAI.Gateway.Admin;

public sealed record DomainBody(string? Name, DeliveryBody? Delivery, string? Postmaster);
