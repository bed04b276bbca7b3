using System.Text;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.Smtp;
using EmailAI.Tests.Smtp;

namespace EmailAI.Tests.Auth;

/// <summary>
/// Sessions with a credential verifier and a sender policy, and the transcript pieces the AUTH tests share.
/// Port 25 "under TLS" uses <see cref="SmtpSessionContext.ImplicitTls"/>: the engine only cares that a handshake
/// completed (STARTTLS has its own tests); "without TLS" is a node without a certificate, so the EHLO replies
/// here carry no STARTTLS keyword.
/// </summary>
public static class SmtpAuthHarness
{
    public static readonly TlsSessionInfo Tls13 = new("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256);

    /// <summary>Greeting and EHLO when AUTH is offered: <see cref="SmtpOpenings.Ehlo"/> with the AUTH keyword last.</summary>
    public static readonly string EhloWithAuth =
        SmtpOpenings.Ehlo.Replace("S: 250 SMTPUTF8", "S: 250-SMTPUTF8\nS: 250 AUTH PLAIN LOGIN SCRAM-SHA-256", StringComparison.Ordinal);

    /// <summary>The server's lines of <see cref="EhloWithAuth"/>'s EHLO reply alone, for a second EHLO.</summary>
    public static readonly string EhloReplyWithAuth = EhloWithAuth[EhloWithAuth.IndexOf("S: 250-", StringComparison.Ordinal)..];

    /// <summary>The PLAIN response for the fake verifier's account.</summary>
    public static readonly string AlicePlain = Base64("\0alice@example.com\0correct horse");

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary><see cref="EhloWithAuth"/> then a successful AUTH PLAIN as alice@example.com.</summary>
    public static string Authenticated => EhloWithAuth + $"""

        C: AUTH PLAIN {AlicePlain}
        S: 235 2.7.0 Authentication successful
        """;

    public static SmtpTestHarness Create(
        SmtpEndpoint endpoint = SmtpEndpoint.Mta,
        bool tls = true,
        FakeCredentialVerifier? verifier = null,
        FakeSenderPolicy? senders = null,
        Action<SmtpOptions>? configure = null) =>
        new(configure, context: new SmtpSessionContext(endpoint, TlsAvailable: tls, tls ? Tls13 : null, verifier ?? new FakeCredentialVerifier(), senders));
}
