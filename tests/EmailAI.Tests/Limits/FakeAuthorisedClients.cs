using System.Collections.Concurrent;
using System.Net;
using EmailAI.Gateway;

namespace EmailAI.Tests.Limits;

/// <summary>An Authorised IP list held in memory, counting how often it is asked.</summary>
public sealed class FakeAuthorisedClients(params IPAddress[] authorised) : IAuthorisedClients
{
    private readonly HashSet<IPAddress> _authorised = [.. authorised];

    public ConcurrentQueue<IPAddress> Asked { get; } = new();

    public ValueTask<bool> IsAuthorisedAsync(IPAddress client, CancellationToken cancellationToken)
    {
        Asked.Enqueue(client);
        return ValueTask.FromResult(_authorised.Contains(client));
    }
}
