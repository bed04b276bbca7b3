namespace EmailAI.Contracts;

/// <summary>
/// What happens to inbound mail for an account when the sender is not trusted (its <c>From:</c> address is not on the
/// account's white list with its domain DMARC-authenticated): the account's and domain's <c>"unlistedSenders"</c>.
/// </summary>
[GenerateSerializer]
public enum UnlistedSenderMode
{
    /// <summary>Into the maildrop, unmarked (the default, and the behaviour before quarantines existed).</summary>
    Deliver = 0,

    /// <summary>Into the account's quarantine, committed before <c>250</c>; POP3 does not show it until an admin releases it.</summary>
    Quarantine = 1,
}
