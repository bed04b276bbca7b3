using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace EmailAI.Grains.Dns;

/// <summary>
/// <see cref="IDnsLookup"/> over DnsClient's <see cref="ILookupClient"/> (the one client of the process, with the
/// resolvers, timeout and TTL cache of <see cref="DnsOptions"/>). NXDOMAIN and NODATA are answers; everything else
/// that is not a usable answer — a timeout, SERVFAIL, REFUSED, a truncated or malformed reply — is a temporary
/// failure, so a check built on it can say "try later" instead of guessing.
/// </summary>
public sealed class DnsClientLookup(ILookupClient client) : IDnsLookup
{
    public Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken = default) =>
        QueryAsync(name, QueryType.TXT, r => r.Answers.TxtRecords().Select(t => string.Concat(t.Text)), cancellationToken);

    public Task<DnsAnswer<IPAddress>> AddressesAsync(string name, AddressFamily family, CancellationToken cancellationToken = default) =>
        family == AddressFamily.InterNetworkV6
            ? QueryAsync(name, QueryType.AAAA, r => r.Answers.AaaaRecords().Select(a => a.Address), cancellationToken)
            : QueryAsync(name, QueryType.A, r => r.Answers.ARecords().Select(a => a.Address), cancellationToken);

    public Task<DnsAnswer<MxHost>> MxAsync(string name, CancellationToken cancellationToken = default) =>
        QueryAsync(name, QueryType.MX, r => r.Answers.MxRecords().Select(m => new MxHost(m.Preference, m.Exchange.Value.TrimEnd('.'))), cancellationToken);

    public Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken = default) =>
        QueryAsync(address.GetArpaName(), QueryType.PTR, r => r.Answers.PtrRecords().Select(p => p.PtrDomainName.Value.TrimEnd('.')), cancellationToken);

    private async Task<DnsAnswer<T>> QueryAsync<T>(string name, QueryType type, Func<IDnsQueryResponse, IEnumerable<T>> select, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(name.TrimEnd('.') + ".", type, QueryClass.IN, cancellationToken);
        }
        catch (DnsResponseException ex)
        {
            return DnsAnswer<T>.Failed($"{type} {name}: {ex.Code}");
        }
        catch (Exception ex) when (ex is SocketException or IOException or ArgumentException or FormatException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // A name DnsClient refuses to encode (a label over 63 octets) can exist nowhere: NXDOMAIN would be true too,
            // but a caller counting void lookups should not be charged for our refusal; it is a failure to ask.
            return DnsAnswer<T>.Failed($"{type} {name}: {ex.GetType().Name}");
        }

        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            return new DnsAnswer<T>(DnsStatus.NameNotFound, []);
        }

        if (response.HasError || response.Header.ResponseCode != DnsHeaderResponseCode.NoError)
        {
            return DnsAnswer<T>.Failed($"{type} {name}: {response.Header.ResponseCode}");
        }

        var records = select(response).ToArray();
        return records.Length == 0 ? new DnsAnswer<T>(DnsStatus.NoRecords, []) : new DnsAnswer<T>(DnsStatus.Found, records);
    }
}
