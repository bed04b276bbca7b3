namespace EmailAI.Contracts;

/// <summary>How an entry came to be on a white list.</summary>
public static class WhiteListSources
{
    /// <summary>The owner relayed mail to the address.</summary>
    public const string Relayed = "relayed";

    /// <summary>An admin added it through the API.</summary>
    public const string Admin = "admin";
}
