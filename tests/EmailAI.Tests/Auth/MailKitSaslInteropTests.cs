using System.Net;
using MailKit.Security;
using EmailAI.Tests.Smtp;

namespace EmailAI.Tests.Auth;

/// <summary>
/// MailKit's client mechanisms (what its SmtpClient sends) against the session's AUTH, without sockets: each
/// 334 challenge goes to MailKit's <see cref="SaslMechanism.Challenge(string, CancellationToken)"/> and its answer
/// back to the session, as MailKit's SmtpClient does.
/// </summary>
public sealed class MailKitSaslInteropTests
{
    public static TheoryData<string, string, bool> Cases => new()
    {
        { "PLAIN", "correct horse", true },
        { "PLAIN", "wrong", false },
        { "LOGIN", "correct horse", true },
        { "LOGIN", "wrong", false },
        { "SCRAM-SHA-256", "correct horse", true },
        { "SCRAM-SHA-256", "wrong", false },
    };

    [Theory, MemberData(nameof(Cases))]
    public async Task MailKitMechanism_AgainstTheSession_235OnlyWithTheRightPassword(string name, string password, bool succeeds)
    {
        var credentials = new NetworkCredential("alice@example.com", password);
        SaslMechanism client = name switch
        {
            "PLAIN" => new SaslMechanismPlain(credentials),
            "LOGIN" => new SaslMechanismLogin(credentials),
            _ => new SaslMechanismScramSha256(credentials),
        };
        var harness = SmtpAuthHarness.Create();
        harness.Start();
        await harness.SendLineAsync("EHLO client.example.net");

        var command = client.SupportsInitialResponse ? $"AUTH {name} {client.Challenge(null, CancellationToken.None)}" : $"AUTH {name}";
        var reply = Assert.Single(await harness.SendLineAsync(command));
        var rounds = 0;
        while (reply.Code == 334 && rounds++ < 5)
        {
            string answer;
            try
            {
                answer = client.Challenge(reply.Lines[0], CancellationToken.None);
            }
            catch (SaslException)
            {
                // MailKit refuses a server-final e= (or a bad v=); its SmtpClient then cancels the exchange.
                answer = "*";
            }

            reply = Assert.Single(await harness.SendLineAsync(answer));
        }

        Assert.Equal(succeeds ? 235 : 535, reply.Code);
        Assert.Equal(succeeds, harness.Session.Info.Authenticated);
        if (succeeds && name == "SCRAM-SHA-256")
        {
            // MailKit checked our ServerSignature (v=) before answering the empty line.
            Assert.True(client.IsAuthenticated);
        }
    }
}
