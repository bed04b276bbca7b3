namespace EmailAI.Contracts;

/// <summary>Countries (ISO 3166-1 alpha-2) whose clients are refused at connect, and the message they get.</summary>
[GenerateSerializer, Immutable]
public sealed record IpLocationBlocking(IReadOnlyList<string> BlockedCountries, string Message)
{
    public const string DefaultMessage = "Connections from your location are not accepted";

    public static readonly IpLocationBlocking Default = new([], DefaultMessage);
}
