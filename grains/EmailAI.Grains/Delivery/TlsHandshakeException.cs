using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using EmailAI.Protocols.Smtp;
using EmailAI.Protocols.SmtpClient;

namespace EmailAI.Grains.Delivery;

/// <summary>STARTTLS was agreed but the TLS handshake failed; opportunistic TLS then tries again in plaintext.</summary>
public sealed class TlsHandshakeException(string message, Exception inner) : Exception(message, inner);
