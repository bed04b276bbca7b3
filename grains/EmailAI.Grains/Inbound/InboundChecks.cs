using System.Text;
using EmailAI.Contracts;
using EmailAI.Grains.Authentication;
using EmailAI.Grains.Policy;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Grains.Inbound;

/// <summary>
/// Sender authentication as ingest applies it, once per message before anything is stored:
/// <list type="bullet">
/// <item>The checks (<see cref="IMessageAuthenticator"/>: SPF, DKIM, ARC, DMARC) run for a message that has an inbound
/// copy (a maildrop, the postmaster, or Advanced Delivery) from a client that did not authenticate. Mail the server
/// made itself (no client) and mail a relaying user submitted after AUTH is not checked.</item>
/// <item>A DMARC failure under a reject policy is refused with 550 5.7.1, and a temporary DNS failure on the way to
/// such an answer with 451 4.7.5 (<see cref="AuthenticationDisposition"/>): nothing is stored, never 250-then-drop.
/// A client on the Authorised IP list is trusted to speak for any sender, as for the white list: its mail is checked
/// and the results recorded, but DMARC never refuses it.</item>
/// <item><see cref="PrepareInboundContent"/> makes what every inbound copy (maildrop and Advanced Delivery) stores:
/// without any <c>X-EmailAI-WhiteList</c> field the sender wrote, without any <c>Authentication-Results</c> field
/// carrying our authserv-id (RFC 8601 §5), and with ours on top. Relayed copies are sent as received.</item>
/// </list>
/// The call awaits DNS inside the authenticator; ingest is a reentrant stateless worker, so no grain turn is held
/// while it waits.
/// </summary>
public sealed partial class InboundChecks(
    IMessageAuthenticator authenticator,
    RelayPolicyCache relayPolicy,
    IOptions<AuthenticationOptions> options,
    ILogger<InboundChecks> logger)
{
    /// <summary>The trace field marking inbound mail from a sender on the recipient's white list.</summary>
    public const string WhiteListField = "X-EmailAI-WhiteList";

    /// <summary>
    /// Runs the checks when <paramref name="request"/> calls for them (see the type's summary), within
    /// <paramref name="within"/> when the caller's deadline leaves less than the configured timeout.
    /// </summary>
    public async Task<InboundCheck> RunAsync(IngestRequest request, TimeSpan? within = null)
    {
        var settings = options.Value;
        var inbound = request.Routes.Any(r => r is MaildropRoute or PostmasterRoute or ForwardRoute);
        if (!settings.Enabled || !inbound || request.Client is not { Authenticated: false } client)
        {
            return InboundCheck.NotRun;
        }

        var authorised = (await relayPolicy.GetAsync()).AuthorisedEntry(client.Address) is not null;
        var report = await authenticator.AuthenticateAsync(new AuthenticationRequest(client.Address, client.HeloName, request.Sender, request.Content, within));
        LogResults(logger, request.QueueId, request.Sender, client.Address.ToString(), report.Spf.Result.ToString().ToLowerInvariant(),
            report.Dkim.Count == 0 ? "none" : string.Join(",", report.Dkim.Select(d => d.Result)), report.Dmarc.Result, report.Arc, report.Disposition);
        if (report.Disposition == AuthenticationDisposition.Accept || authorised)
        {
            return new InboundCheck(report, authorised, null);
        }

        var verdict = report.Disposition == AuthenticationDisposition.Reject
            ? PolicyVerdict.Refuse(SmtpReplies.DmarcRejected(report.Dmarc.FromDomain ?? "?"), report.Reason)
            : PolicyVerdict.Refuse(SmtpReplies.AuthenticationTemporaryFailure, report.Reason);
        return new InboundCheck(report, authorised, verdict);
    }

    /// <summary>
    /// The content every inbound copy stores (before Return-Path and the white-list mark, which are per copy): the
    /// sender's <c>X-EmailAI-WhiteList</c> fields and <c>Authentication-Results</c> fields with our authserv-id removed
    /// whatever their spelling, and our <c>Authentication-Results</c> prepended when the checks ran.
    /// </summary>
    public byte[] PrepareInboundContent(byte[] content, InboundCheck check)
    {
        var authservId = AuthServId;
        var cleaned = AuthenticationResultsField.RemoveOurs(HeaderFields.Remove(WithoutBareCarriageReturns(content), WhiteListField), authservId);
        if (check.Report is not { } report)
        {
            return cleaned;
        }

        var field = Encoding.UTF8.GetBytes(AuthenticationResultsField.Render(authservId, report));
        var result = new byte[field.Length + cleaned.Length];
        field.CopyTo(result, 0);
        cleaned.CopyTo(result, field.Length);
        return result;
    }

    /// <summary>
    /// The content with every bare CR of its header block made a space. Some readers end a line at a bare CR, so
    /// <c>X-Foo: a&lt;CR&gt;X-EmailAI-WhiteList: pass</c> would show them a field our removal (which ends lines at LF)
    /// never saw. The body is left as it is; the same array comes back when there is no bare CR.
    /// </summary>
    internal static byte[] WithoutBareCarriageReturns(byte[] content)
    {
        var header = HeaderFields.HeaderBlock(content).Length;
        byte[]? copy = null;
        for (var i = 0; i < header; i++)
        {
            if (content[i] == (byte)'\r' && (i + 1 >= content.Length || content[i + 1] != (byte)'\n'))
            {
                copy ??= (byte[])content.Clone();
                copy[i] = (byte)' ';
            }
        }

        return copy ?? content;
    }

    /// <summary>Our Authentication-Results field for the message, without its final CRLF; empty when the checks did not run.</summary>
    public string ResultsText(InboundCheck check) =>
        check.Report is { } report ? AuthenticationResultsField.Render(AuthServId, report).TrimEnd('\r', '\n') : "";

    /// <summary>Our authserv-id (RFC 8601 §2.5): the server domain.</summary>
    private string AuthServId => options.Value.AuthServId is { Length: > 0 } id ? id : "localhost";

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{QueueId} from <{Sender}> [{Client}]: spf={Spf} dkim={Dkim} dmarc={Dmarc} arc={Arc} → {Disposition}")]
    private static partial void LogResults(ILogger logger, string queueId, string sender, string client, string spf, string dkim, string dmarc, string arc, AuthenticationDisposition disposition);
}
