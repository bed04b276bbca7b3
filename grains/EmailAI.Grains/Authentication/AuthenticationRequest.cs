using System.Net;

namespace EmailAI.Grains.Authentication;

/// <summary>
/// One received message to authenticate: the client's address and HELO name, the envelope sender as given
/// (empty for <c>&lt;&gt;</c>), and the message as received (our Received field included). <see cref="Within"/>, when
/// shorter than <see cref="AuthenticationOptions.Timeout"/>, is the time the checks may take this once (the caller's
/// deadline is nearer); what is unfinished then is a temperror, as at the configured timeout.
/// </summary>
public sealed record AuthenticationRequest(IPAddress ClientAddress, string? HeloName, string MailFrom, ReadOnlyMemory<byte> Content, TimeSpan? Within = null);
