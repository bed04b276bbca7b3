using EmailAI.Contracts;
using EmailAI.Gateway.Auth;
using EmailAI.Protocols.Auth;
using EmailAI.Protocols.Pop3;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Pop3;

/// <summary>
/// The POP3 engine's maildrop operations as grain calls. Logins go through the gateway's one login service
/// (<see cref="GrainCredentialVerifier"/>: throttle, account grain, log line and metric shared with SMTP AUTH); the
/// maildrop lock, snapshot, retrieval and UPDATE all go through the account grain, so any gateway can serve any
/// account and the lock holds cluster-wide.
/// </summary>
public sealed class GrainPop3Backend(
    IGrainFactory grains,
    GrainCredentialVerifier verifier,
    IOptions<Pop3LoginOptions> options,
    ILogger<GrainPop3Backend> logger) : IPop3Backend
{
    public async ValueTask<Pop3AuthResult> AuthenticateAsync(Pop3Credentials credentials, CancellationToken cancellationToken)
    {
        var mechanism = credentials.ApopDigest is not null ? LoginMechanism.Apop
            : credentials.Mechanism.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase) ? LoginMechanism.Plain
            : LoginMechanism.UserPass;

        // POP3 over TLS does not exist yet on this listener; the TLS listener work fills this in.
        var request = new LoginRequest("POP3", mechanism, credentials.User, credentials.RemoteAddress, credentials.SessionId, Tls: false);
        var result = mechanism == LoginMechanism.Apop
            ? await verifier.VerifyApopAsync(request, credentials.ApopTimestamp!, credentials.ApopDigest!, cancellationToken)
            : await verifier.VerifyPasswordAsync(request, credentials.Password ?? "", cancellationToken);

        // Success is not a login yet: the session logs and counts it once the maildrop is locked (Pop3LoginLog).
        return result.Status switch
        {
            LoginStatus.Succeeded => new Pop3AuthResult(Pop3AuthStatus.Succeeded, result.Account),
            LoginStatus.Throttled => new Pop3AuthResult(Pop3AuthStatus.Throttled),
            LoginStatus.TemporaryFailure => new Pop3AuthResult(Pop3AuthStatus.TemporaryFailure),
            _ => new Pop3AuthResult(Pop3AuthStatus.Failed),
        };
    }

    public async ValueTask<Pop3OpenResult> OpenAsync(string mailbox, string sessionId, CancellationToken cancellationToken)
    {
        var snapshot = await grains.GetGrain<IAccountGrain>(mailbox).LockMaildropAsync(sessionId, options.Value.LockLease);
        return snapshot.Status == MaildropLockStatus.Locked
            ? new Pop3OpenResult(Pop3OpenStatus.Opened, [.. snapshot.Messages.Select(m => new Pop3Message(m.Uid, m.Size))])
            : new Pop3OpenResult(Pop3OpenStatus.InUse, []);
    }

    public async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(string mailbox, long uid, CancellationToken cancellationToken)
    {
        // Spelled out on purpose: in "content is null ? null : …" the null converts through byte[] to an
        // empty ReadOnlyMemory, and a vanished message would be sent as an empty one.
        var content = await grains.GetGrain<IAccountGrain>(mailbox).ReadMessageAsync(uid);
        if (content is null)
        {
            return (ReadOnlyMemory<byte>?)null;
        }

        return new ReadOnlyMemory<byte>(content);
    }

    /// <summary>Keeps the lease alive; false once the lock is lost.</summary>
    public Task<bool> RenewAsync(string mailbox, string sessionId) =>
        grains.GetGrain<IAccountGrain>(mailbox).RenewMaildropLockAsync(sessionId, options.Value.LockLease);

    public async ValueTask<bool> CommitAsync(string mailbox, string sessionId, IReadOnlyCollection<long> deleteUids, CancellationToken cancellationToken)
    {
        var committed = await grains.GetGrain<IAccountGrain>(mailbox).CommitMaildropAsync(sessionId, deleteUids);
        if (committed)
        {
            GatewayTelemetry.Pop3Deleted.Add(deleteUids.Count);
        }
        else
        {
            logger.LogWarning("POP3 session {SessionId} lost the lock of {Mailbox}; {Count} deletions not done", sessionId, mailbox, deleteUids.Count);
        }

        return committed;
    }

    public async ValueTask ReleaseAsync(string mailbox, string sessionId) =>
        await grains.GetGrain<IAccountGrain>(mailbox).ReleaseMaildropAsync(sessionId);
}
