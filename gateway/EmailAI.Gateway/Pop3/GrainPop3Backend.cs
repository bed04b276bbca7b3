using EmailAI.Protocols.Common;
using EmailAI.Contracts;
using EmailAI.Protocols.Pop3;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Pop3;

/// <summary>
/// The POP3 engine's maildrop operations as grain calls: logins are checked by the account grain and
/// throttled by login-throttle grains; the maildrop lock, snapshot, retrieval and UPDATE all go through the
/// account grain, so any gateway can serve any account and the lock holds cluster-wide.
/// </summary>
public sealed class GrainPop3Backend(
    IGrainFactory grains,
    IOptions<Pop3LoginOptions> options,
    TimeProvider time,
    ILogger<GrainPop3Backend> logger) : IPop3Backend
{
    public async ValueTask<Pop3AuthResult> AuthenticateAsync(Pop3Credentials credentials, CancellationToken cancellationToken)
    {
        var policy = options.Value;
        var clientThrottle = grains.GetGrain<ILoginThrottleGrain>(GrainKeys.ThrottleForClient(credentials.RemoteAddress));
        GrainKeys.TryNormalizeAddress(credentials.User, out var address);
        var accountThrottle = address is null ? null : grains.GetGrain<ILoginThrottleGrain>(GrainKeys.ThrottleForAccount(address));
        try
        {
            // Both counters are asked at once: a login costs one round trip for them, not two.
            var clientBlocked = clientThrottle.IsBlockedAsync(policy.MaxAuthFailuresPerClient, policy.AuthFailureWindow);
            var accountBlocked = accountThrottle?.IsBlockedAsync(policy.MaxAuthFailures, policy.AuthFailureWindow) ?? Task.FromResult(false);
            if (await clientBlocked | await accountBlocked)
            {
                // Logged (escaped) and counted by the session's login observer, like every refusal.
                return new Pop3AuthResult(Pop3AuthStatus.Throttled);
            }

            var valid = address is not null && await grains.GetGrain<IAccountGrain>(address)
                .AuthenticateAsync(new AccountCredentials(credentials.Password, credentials.ApopTimestamp, credentials.ApopDigest, policy.AuthCacheTtl));
            if (valid)
            {
                // Not a login yet: it is logged and counted once the maildrop is locked (Pop3LoginLog).
                await accountThrottle!.ResetAsync();
                return new Pop3AuthResult(Pop3AuthStatus.Succeeded, address);
            }

            await Task.WhenAll(
                clientThrottle.RecordFailureAsync(policy.AuthFailureWindow),
                accountThrottle?.RecordFailureAsync(policy.AuthFailureWindow) ?? Task.CompletedTask);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "POP3 login check for user={User} failed", LogText.EscapeToken(credentials.User));
            return new Pop3AuthResult(Pop3AuthStatus.TemporaryFailure);
        }

        if (policy.AuthFailureDelay > TimeSpan.Zero)
        {
            await Task.Delay(policy.AuthFailureDelay, time, cancellationToken);
        }

        return new Pop3AuthResult(Pop3AuthStatus.Failed);
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
