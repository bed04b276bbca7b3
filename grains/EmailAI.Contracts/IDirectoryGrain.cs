namespace EmailAI.Contracts;

/// <summary>The list of local domains (key <see cref="GrainKeys.Directory"/>), for listings only: RCPT decisions ask the domain grains.</summary>
public interface IDirectoryGrain : IGrainWithIntegerKey
{
    Task<IReadOnlyList<string>> ListDomainsAsync();

    Task AddDomainAsync(string domain);

    Task RemoveDomainAsync(string domain);

    /// <summary>Every maildrop the message store holds, with or without an account, by name; read-only.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<MaildropSummary>> ListMaildropsAsync();
}
