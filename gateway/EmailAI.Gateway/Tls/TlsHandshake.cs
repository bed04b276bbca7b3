using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using EmailAI.Protocols.Common;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Tls;

/// <summary>
/// Runs the server side of a TLS handshake on a connection (after STARTTLS/STLS, or at once on 465/995) with the
/// certificate current at that moment, within <see cref="TlsOptions.HandshakeTimeout"/>, and on success replaces
/// <c>connection.Transport</c> by a <see cref="TlsTransport"/>. Every handshake is counted
/// (<see cref="GatewayTelemetry.TlsHandshakes"/>) and logged: the version and cipher at Information, a failure
/// with the client and the reason at Information too (a scanner's failed handshake is not the server's problem).
/// </summary>
public sealed class TlsHandshake(ServerCertificateStore certificates, IOptions<TlsOptions> options, TimeProvider time, ILogger<TlsHandshake> logger)
{
    /// <summary>
    /// Performs the handshake. Returns what it agreed, or null when it failed or timed out (logged and counted);
    /// the caller then closes the connection. Bytes the client sent in clear that are still in the transport are
    /// read as the start of the handshake and make it fail: that is how a pipelined injection is refused.
    /// </summary>
    /// <param name="protocol">"smtp" or "pop3", for the metric and the log.</param>
    public async Task<TlsSessionInfo?> AuthenticateAsync(ConnectionContext connection, string protocol, IPAddress remote)
    {
        var original = connection.Transport;
        var stream = new SslStream(new DuplexPipeStream(original), leaveInnerStreamOpen: false);
        var timeout = options.Value.HandshakeTimeout;
        using var expiry = new CancellationTokenSource(timeout, time);
        try
        {
            await stream.AuthenticateAsServerAsync(certificates.CreateServerOptions(), expiry.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or AuthenticationException or IOException or ConnectionResetException)
        {
            await stream.DisposeAsync();
            var timedOut = expiry.IsCancellationRequested;
            GatewayTelemetry.TlsHandshakes.Add(
                1,
                new KeyValuePair<string, object?>("protocol", protocol),
                new KeyValuePair<string, object?>("version", "none"),
                new KeyValuePair<string, object?>("result", timedOut ? "timeout" : "failed"));
            if (timedOut)
            {
                logger.LogInformation("TLS handshake with {RemoteAddress} timed out after {HandshakeTimeout}", remote, timeout);
            }
            else
            {
                logger.LogInformation("TLS handshake with {RemoteAddress} failed: {Reason}", remote, LogText.Escape(Reason(ex)));
            }

            return null;
        }

        var info = Describe(stream);
        GatewayTelemetry.TlsHandshakes.Add(
            1,
            new KeyValuePair<string, object?>("protocol", protocol),
            new KeyValuePair<string, object?>("version", info.Protocol),
            new KeyValuePair<string, object?>("result", "ok"));
        logger.LogInformation(
            "TLS connection established from {RemoteAddress}: {TlsProtocol} with cipher {CipherSuite} ({KeyBits} bits)",
            remote,
            info.Protocol,
            info.CipherSuite,
            info.KeyBits);
        connection.Transport = new TlsTransport(stream, original);
        return info;
    }

    /// <summary>The negotiated version, IANA cipher suite name and bulk cipher strength.</summary>
    public static TlsSessionInfo Describe(SslStream stream)
    {
        var version = stream.SslProtocol switch
        {
            SslProtocols.Tls13 => "TLSv1.3",
            SslProtocols.Tls12 => "TLSv1.2",
            var other => other.ToString(),
        };
        var suite = stream.NegotiatedCipherSuite.ToString();
        var bits = suite.Contains("_256_", StringComparison.Ordinal) || suite.Contains("CHACHA20", StringComparison.Ordinal) ? 256
            : suite.Contains("_128_", StringComparison.Ordinal) ? 128
            : 0;
        return new TlsSessionInfo(version, suite, bits);
    }

    /// <summary>The innermost message: SslStream wraps OpenSSL's reason (wrong version, unexpected message) in layers.</summary>
    private static string Reason(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner == ex ? ex.Message : ex.Message + " (" + inner.Message + ")";
    }
}
