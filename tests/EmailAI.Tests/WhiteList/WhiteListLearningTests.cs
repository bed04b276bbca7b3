using System.Net;
using EmailAI.Contracts;
using EmailAI.Grains.WhiteList;

namespace EmailAI.Tests.WhiteList;

/// <summary>
/// The learning rule (issue 13, "a white list that cannot be forged"): the recipients of a relayed message teach the
/// sender's list only when the session authenticated as the sender's owner, or came from an Authorised IP address;
/// never for other clients, nor for mail the server made.
/// </summary>
public sealed class WhiteListLearningTests
{
    private static readonly IPAddress Authorised = IPAddress.Parse("10.0.0.7");
    private static readonly IPAddress Outsider = IPAddress.Parse("203.0.113.9");

    private static Task<string?> TeacherAsync(IngestClient? client, string sender) =>
        WhiteListLearning.TeacherAsync(
            client,
            sender,
            address => Task.FromResult<string?>(address.ToLowerInvariant() switch
            {
                "alice@local.test" or "info@local.test" => "alice@local.test",
                "bob@local.test" => "bob@local.test",
                _ => null,
            }),
            client => Task.FromResult(client.Equals(Authorised)));

    [Theory]
    [InlineData("alice@local.test")]
    [InlineData("ALICE@Local.Test")]
    public async Task Teacher_AuthenticatedAsTheSendersOwner_TheOwnersList(string identity) =>
        Assert.Equal("alice@local.test", await TeacherAsync(new IngestClient(Outsider, "pc", identity), "Alice@local.test"));

    [Fact]
    public async Task Teacher_AuthenticatedOwnerSendingFromAnAliasOfTheirMailbox_TheOwnersList() =>
        Assert.Equal("alice@local.test", await TeacherAsync(new IngestClient(Outsider, "pc", "alice@local.test"), "info@local.test"));

    [Fact]
    public async Task Teacher_AuthenticatedAsBobSendingAsAlice_NoOnesList()
    {
        Assert.Null(await TeacherAsync(new IngestClient(Outsider, "pc", "bob@local.test"), "alice@local.test"));

        // Not even from an Authorised IP machine: an authenticated session is judged by who it said it is.
        Assert.Null(await TeacherAsync(new IngestClient(Authorised, "pc", "bob@local.test"), "alice@local.test"));
    }

    [Fact]
    public async Task Teacher_AuthorisedIpClientWithoutAuth_TheSendersList()
    {
        Assert.Equal("alice@local.test", await TeacherAsync(new IngestClient(Authorised, "app", null), "alice@local.test"));
        Assert.Equal("bob@local.test", await TeacherAsync(new IngestClient(Authorised, "app", null), "bob@local.test"));
    }

    [Fact]
    public async Task Teacher_UnauthenticatedClientNotAuthorised_NoOnesList() =>
        Assert.Null(await TeacherAsync(new IngestClient(Outsider, "mx.remote.test", null), "alice@local.test"));

    [Fact]
    public async Task Teacher_MailTheServerMade_NoOnesList() =>
        Assert.Null(await TeacherAsync(null, "alice@local.test"));

    [Theory]
    [InlineData("")]
    [InlineData("stranger@remote.test")]
    public async Task Teacher_SenderNotALocalMailbox_NoOnesList(string sender)
    {
        Assert.Null(await TeacherAsync(new IngestClient(Authorised, "app", null), sender));
        Assert.Null(await TeacherAsync(new IngestClient(Outsider, "pc", "stranger@remote.test"), sender));
    }

    [Fact]
    public async Task Teacher_IdentityNotAnAddress_NoOnesList() =>
        Assert.Null(await TeacherAsync(new IngestClient(Outsider, "pc", "alice"), "alice@local.test"));
}
