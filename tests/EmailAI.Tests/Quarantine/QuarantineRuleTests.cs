using System.Text;
using EmailAI.Contracts;
using EmailAI.Grains.Quarantine;
using EmailAI.Storage;

namespace EmailAI.Tests.Quarantine;

/// <summary>Ingest's per-copy choice between maildrop and quarantine.</summary>
public sealed class QuarantineRuleTests
{
    private static MaildropRoute Quarantined(string mailbox) => new(mailbox) { UnlistedSenders = UnlistedSenderMode.Quarantine };

    [Fact]
    public void HeldMailboxes_QuarantineModeNotTrusted_Held()
    {
        var held = QuarantineRule.HeldMailboxes([Quarantined("a@x.test"), new MaildropRoute("b@x.test")], new HashSet<string>());

        Assert.Equal(["a@x.test"], held);
    }

    [Fact]
    public void HeldMailboxes_QuarantineModeTrusted_Delivered()
    {
        Assert.Empty(QuarantineRule.HeldMailboxes([Quarantined("a@x.test")], new HashSet<string> { "a@x.test" }));
    }

    [Fact]
    public void HeldMailboxes_DeliverModeUntrusted_Delivered()
    {
        Assert.Empty(QuarantineRule.HeldMailboxes([new MaildropRoute("a@x.test") { UnlistedSenders = UnlistedSenderMode.Deliver }], new HashSet<string>()));
    }

    [Fact]
    public void HeldMailboxes_SameMaildropAlsoAPostmasterRoute_Delivered()
    {
        // RFC 5321 §4.5.1: postmaster mail is delivered; one maildrop gets one copy, so not held either.
        Assert.Empty(QuarantineRule.HeldMailboxes([Quarantined("postmaster@x.test"), new PostmasterRoute("postmaster@x.test")], new HashSet<string>()));
    }

    [Fact]
    public void HeldMailboxes_RelayAndForwardRoutes_NeverHeld()
    {
        Assert.Empty(QuarantineRule.HeldMailboxes([new RelayRoute("c@far.test", "far.test"), new ForwardRoute("d@y.test", "y.test")], new HashSet<string>()));
    }

    [Fact]
    public void Copy_Held_MetadataFromTheContentAndTheAuthenticationParameters()
    {
        var message = new StoredMessage("Q1", "", DateTimeOffset.UnixEpoch, Encoding.ASCII.GetBytes("Return-Path: <>\r\nSubject: bounce\r\n\r\n"));

        var copy = QuarantineRule.Copy(message, new HashSet<string> { "b@x.test", "a@x.test" }, "mx.test; none", authenticatedFrom: null)!;

        Assert.Same(message, copy.Message);
        Assert.Equal(["a@x.test", "b@x.test"], copy.Mailboxes);
        Assert.Equal("bounce", copy.Metadata.Subject);
        Assert.Equal("mx.test; none", copy.Metadata.AuthenticationResults);
        Assert.Null(QuarantineRule.Copy(message, new HashSet<string>(), "", null));
    }
}
