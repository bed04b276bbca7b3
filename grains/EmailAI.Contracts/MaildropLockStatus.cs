namespace EmailAI.Contracts;

public enum MaildropLockStatus
{
    /// <summary>The caller now holds the maildrop's lock.</summary>
    Locked,

    /// <summary>Another session holds it and its lease has not expired.</summary>
    InUse,
}
