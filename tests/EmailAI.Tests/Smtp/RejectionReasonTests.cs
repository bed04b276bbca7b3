using System.Net;
using EmailAI.Gateway.Smtp;
using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary>The reason label of emailai.smtp.rejections for the catalogue's refusals.</summary>
public sealed class RejectionReasonTests
{
    public static TheoryData<string, SmtpReply, string?, string> Cases() => new()
    {
        { "RCPT TO:<x@y>", SmtpReplies.UnknownUser, null, RejectionReason.UnknownUser },
        { "RCPT TO:<x@y>", SmtpReplies.RelayDenied, "not a local domain", RejectionReason.RelayDenied },
        { "RCPT TO:<x@y>", new SmtpReply(550, "5.7.1", ["Mail from your country is not accepted"]), "IP location blocking: CN by rule countries", RejectionReason.LocationBlocked },
        { "DATA", new SmtpReply(550, "5.7.1", ["Message rejected by the sender domain's DMARC policy"]), null, RejectionReason.Dmarc },
        { "DATA", SmtpReplies.MessageTooBig, null, RejectionReason.Size },
        { "DATA", SmtpReplies.DataLineTooLong, null, RejectionReason.LineOrSyntax },
        { "FOO", SmtpReplies.CommandUnrecognized, null, RejectionReason.LineOrSyntax },
        { "MAIL FROM:<a@b>", SmtpReplies.AuthRequired, null, RejectionReason.TlsOrAuthRequired },
        { "AUTH PLAIN", SmtpReplies.AuthInvalid, null, RejectionReason.AuthFailed },
        { "RCPT TO:<x@y>", SmtpReplies.TooManyErrors, null, RejectionReason.RateOrErrorLimit },
        { "DATA", SmtpReplies.TemporaryFailure, null, RejectionReason.Temporary },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Of_CatalogueReplies(string command, SmtpReply reply, string? reason, string expected)
    {
        Assert.Equal(expected, RejectionReason.Of(new SmtpRejection(IPAddress.Loopback, command, reply) { Reason = reason }));
        Assert.Contains(expected, RejectionReason.All);
    }
}
