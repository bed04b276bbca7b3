namespace EmailAI.Contracts;

/// <summary>What an account grain says about a password or digest (see <see cref="IAccountGrain.AuthenticateAsync"/>).</summary>
public enum CredentialCheck
{
    /// <summary>The credentials match the account.</summary>
    Valid,

    /// <summary>Wrong credentials or no such account: one answer for both, after the same cost.</summary>
    Invalid,

    /// <summary>
    /// Not checked: the silo's password-hashing slots stayed full for the configured wait. Nothing is known about
    /// the password, so the caller answers "try later" and must not count it as a failure.
    /// </summary>
    Busy,
}
