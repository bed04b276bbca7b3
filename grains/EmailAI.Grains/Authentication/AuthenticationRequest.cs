using System.Net;

namespace EmailAI.Grains.Authentication;

/// <summary>
/// One received message to authenticate: the client's address and HELO name, the envelope sender as given
/// (empty for <c>&lt;&gt;</c>), and the message as received (our Received field included).
/// </summary>
public sealed record AuthenticationRequest(IPAddress ClientAddress, string? HeloName, string MailFrom, ReadOnlyMemory<byte> Content);
