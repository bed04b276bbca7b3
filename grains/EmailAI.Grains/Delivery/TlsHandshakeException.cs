namespace EmailAI.Grains.Delivery;

/// <summary>STARTTLS was agreed but the TLS handshake failed; opportunistic TLS then tries again in plaintext.</summary>
public sealed class TlsHandshakeException(string message, Exception inner) : Exception(message, inner);
