using EmailAI.Contracts;
using EmailAI.Grains.Authentication;

namespace EmailAI.Grains.Inbound;

/// <summary>
/// What the checks of one inbound message found: the <see cref="Report"/> (null when they did not run: the client
/// authenticated, the message has no inbound copy, or the checks are off), whether the client is on the Authorised
/// IP list, and the <see cref="Refusal"/> the client gets instead of 250 when DMARC refused the message.
/// </summary>
public sealed record InboundCheck(AuthenticationReport? Report, bool AuthorisedClient, PolicyVerdict? Refusal)
{
    public static readonly InboundCheck NotRun = new(null, false, null);

    /// <summary>The From: address, when the checks found it authenticated by DMARC alignment: the white list's condition for its mark.</summary>
    public string? AuthenticatedFrom => Report is { FromAuthenticated: true, FromAddress: { } from } ? from : null;
}
