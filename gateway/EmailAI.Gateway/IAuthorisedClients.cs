using System.Net;

namespace EmailAI.Gateway;

/// <summary>Answers whether a client address is on the cluster's Authorised IP list, for the connection limits' exemption.</summary>
public interface IAuthorisedClients
{
    /// <summary>
    /// True when <paramref name="client"/> is on the Authorised IP list; false when it is not and when that cannot be
    /// found out now (an exemption is never granted on a failure). Never throws for a failed lookup.
    /// </summary>
    ValueTask<bool> IsAuthorisedAsync(IPAddress client, CancellationToken cancellationToken);
}
