namespace EmailAI.Contracts;

/// <summary>
/// What IP location blocking says of a session: <see cref="Rule"/> is the rule that refuses it (null: not
/// blocked), <see cref="Detail"/> a sentence for the log and the admin's dry run ("country KP is in
/// blockedCountries"), and <see cref="Exemption"/> why no rule was applied at all (authenticated, on the Authorised
/// IP list), else null.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LocationCheck(LocationRule? Rule, string Detail, string? Exemption)
{
    public bool Blocked => Rule is not null;
}
