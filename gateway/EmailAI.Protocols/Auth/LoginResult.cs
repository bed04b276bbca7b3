namespace EmailAI.Protocols.Auth;

/// <summary>A login verdict; <see cref="Account"/> is the account's normalised address when it succeeded.</summary>
public sealed record LoginResult(LoginStatus Status, string? Account = null);
