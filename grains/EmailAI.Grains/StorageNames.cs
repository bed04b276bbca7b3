namespace EmailAI.Grains;

/// <summary>
/// Names of the grain storage provider and of each state. Every state name is distinct: the storage keys
/// rows by (state name, grain id), and ORLEANS-FACTS warns that shared names collide across grain types.
/// </summary>
public static class StorageNames
{
    public const string Provider = "emailai";
    public const string DomainState = "domain";
    public const string DirectoryState = "directory";
    public const string AccountState = "account";
    public const string RelayPolicyState = "relay-policy";
    public const string WhiteListState = "white-list";
}
