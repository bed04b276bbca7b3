namespace EmailAI.Grains.Authentication.Spf;

/// <summary>The results of check_host() (RFC 7208 §2.6), as Authentication-Results names them in lower case (RFC 8601 §2.7.2).</summary>
public enum SpfResult
{
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}
