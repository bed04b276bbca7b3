using EmailAI.Contracts;

namespace EmailAI.Tests.Callout;

/// <summary>
/// The recipient verification of a forwarding domain's <c>delivery</c> JSON (<see cref="DeliverySettings"/>): what is
/// refused with a 400, how the list is normalised, what stored settings without the field mean, and which local
/// parts count as routing syntax.
/// </summary>
public sealed class ForwardRecipientSettingsTests
{
    private const string Domain = "fwd.test";

    [Theory]
    [InlineData(null)]
    [InlineData(DeliverySettings.CalloutVerification)]
    [InlineData(DeliverySettings.NoVerification)]
    public void Validate_ModeWithoutList_Accepted(string? mode) =>
        Assert.Null(DeliverySettings.Validate(Forward(mode), Domain));

    [Fact]
    public void Validate_UnknownMode_Refused() =>
        Assert.Equal("verifyRecipients must be 'callout', 'list' or 'none'", DeliverySettings.Validate(Forward("ldap"), Domain));

    [Fact]
    public void Validate_ListWithoutValidRecipients_Refused() =>
        Assert.Equal("verifyRecipients 'list' needs validRecipients", DeliverySettings.Validate(Forward(DeliverySettings.ListVerification), Domain));

    [Fact]
    public void Validate_ValidRecipientsWithCallout_Refused() =>
        Assert.Equal("validRecipients needs verifyRecipients 'list'", DeliverySettings.Validate(Forward(DeliverySettings.CalloutVerification, "alice"), Domain));

    [Theory]
    [InlineData("alice@other.test")]
    [InlineData("not an address")]
    [InlineData("")]
    [InlineData("a..b")]
    public void Validate_ListEntryNotOfThisDomain_Refused(string entry) =>
        Assert.StartsWith($"validRecipients entry '{entry}' is not", DeliverySettings.Validate(Forward(DeliverySettings.ListVerification, "bob", entry), Domain));

    [Theory]
    [InlineData("x%remote.test")]
    [InlineData("remote.test!x")]
    [InlineData("\"x@remote.test\"")]
    public void Validate_ListEntryWithRoutingSyntax_Refused(string entry) =>
        Assert.Contains("routing syntax", DeliverySettings.Validate(Forward(DeliverySettings.ListVerification, entry), Domain));

    [Fact]
    public void Validate_VerificationOnAnAccount_Refused() =>
        Assert.Contains("account", DeliverySettings.Validate(Forward(DeliverySettings.NoVerification), domain: null));

    [Fact]
    public void Validate_VerificationOnMailboxMode_Refused() =>
        Assert.NotNull(DeliverySettings.Validate(new DeliverySettings(DeliverySettings.Mailbox, VerifyRecipients: DeliverySettings.NoVerification), Domain));

    [Fact]
    public void Normalized_ListEntries_LocalPartsLowerCasedUnquotedOnce()
    {
        var settings = Forward(DeliverySettings.ListVerification, "Alice", "alice@FWD.test", "\"bob\"", " carol ");

        Assert.Null(DeliverySettings.Validate(settings, Domain));
        Assert.Equal(["alice", "bob", "carol"], settings.Normalized(Domain).ValidRecipients!);
    }

    [Fact]
    public void Verification_StoredWithoutTheField_IsCallout() =>
        Assert.Equal(DeliverySettings.CalloutVerification, new DeliverySettings(DeliverySettings.Forward, "10.0.0.5").Verification);

    [Theory]
    [InlineData("x%remote.test", true)]
    [InlineData("remote.test!x", true)]
    [InlineData("\"x@remote.test\"", true)]
    [InlineData("first.last+tag", false)]
    [InlineData("\"with space\"", false)]
    public void HasRoutingSyntax_LocalPart_Detected(string localPart, bool routing) =>
        Assert.Equal(routing, DeliverySettings.HasRoutingSyntax(localPart));

    private static DeliverySettings Forward(string? mode, params string[] valid) =>
        new(DeliverySettings.Forward, "10.0.0.5", 25, mode, valid.Length == 0 ? null : valid);
}
