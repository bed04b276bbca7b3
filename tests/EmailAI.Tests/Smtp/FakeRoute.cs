using EmailAI.Protocols.Smtp;

namespace EmailAI.Tests.Smtp;

/// <summary>A route token for engine tests: the session must hand it to the sink unchanged.</summary>
public sealed record FakeRoute(string Name) : IRecipientRoute
{
    public override string ToString() => Name;
}
