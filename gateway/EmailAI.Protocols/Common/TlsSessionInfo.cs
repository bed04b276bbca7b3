namespace EmailAI.Protocols.Common;

/// <summary>
/// What a finished TLS handshake agreed, for the session's policy facts, its log lines and the
/// <c>Received:</c> comment (Postfix style: <c>(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))</c>).
/// </summary>
/// <param name="Protocol">The protocol as logged and written in trace fields: <c>TLSv1.2</c> or <c>TLSv1.3</c>.</param>
/// <param name="CipherSuite">The IANA name of the negotiated cipher suite.</param>
/// <param name="KeyBits">The strength of the bulk cipher in bits (0 when unknown).</param>
public sealed record TlsSessionInfo(string Protocol, string CipherSuite, int KeyBits);
