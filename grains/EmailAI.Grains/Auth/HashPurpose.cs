namespace EmailAI.Grains.Auth;

/// <summary>Why a slow hash ran; the <c>purpose</c> tag of <c>emailai.auth.password_hashes</c>.</summary>
public enum HashPurpose
{
    /// <summary>Checking a password at login (or the decoy hash of an unknown user).</summary>
    Login,

    /// <summary>Hashing a new password and deriving its SCRAM keys (admin API).</summary>
    SetPassword,

    /// <summary>Deriving SCRAM keys for an account whose password predates them, at its next good login.</summary>
    ScramUpgrade,
}
