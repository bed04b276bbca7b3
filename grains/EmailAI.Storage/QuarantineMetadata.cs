namespace EmailAI.Storage;

/// <summary>
/// What the admin API shows of a held message besides its envelope, read once when it is held (see
/// <see cref="EmailAI.Contracts.QuarantinedMessage"/> for the meaning of each member). The texts are already capped.
/// </summary>
public sealed record QuarantineMetadata(
    string? From,
    string? FromAddress,
    string? Subject,
    DateTimeOffset? Date,
    string AuthenticationResults,
    bool FromAuthenticated)
{
    public static readonly QuarantineMetadata None = new(null, null, null, null, "", false);
}
