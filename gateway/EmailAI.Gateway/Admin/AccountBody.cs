namespace EmailAI.Gateway.Admin;

public sealed record AccountBody(string? Address, string? Password, DeliveryBody? Delivery);
