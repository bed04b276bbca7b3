using EmailAI.Protocols.Pop3;
using Microsoft.Extensions.Logging;

namespace EmailAI.Gateway.Pop3;

/// <summary>
/// One session's maildrop backend that keeps the maildrop lock alive by itself. Once <see cref="OpenAsync"/>
/// has locked the maildrop, the lease is renewed every third of its length in the background, for as long as
/// the session holds it: while it waits for a command and while it writes a RETR that takes longer than the
/// lease alike. <see cref="CommitAsync"/> and <see cref="ReleaseAsync"/> first stop the renewals and wait for
/// one in flight, so a late renewal can never take back a lock that was just let go. A renewal that fails
/// (cluster trouble) is tried again at the next tick, which is still inside the lease; one that finds the
/// lock taken by another session fires <see cref="LeaseLost"/>, and that session's QUIT can delete nothing.
/// Every other call goes straight to the inner backend.
/// </summary>
public sealed class LeaseRenewingPop3Backend(
    IPop3Backend inner,
    Func<string, string, Task<bool>> renew,
    TimeSpan lease,
    TimeProvider time,
    ILogger logger) : IPop3Backend, IAsyncDisposable
{
    private readonly CancellationTokenSource _lost = new();
    private CancellationTokenSource? _stop;
    private Task _renewals = Task.CompletedTask;

    /// <summary>Cancelled once a renewal found the lock held by another session.</summary>
    public CancellationToken LeaseLost => _lost.Token;

    public ValueTask<Pop3AuthResult> AuthenticateAsync(Pop3Credentials credentials, CancellationToken cancellationToken) =>
        inner.AuthenticateAsync(credentials, cancellationToken);

    public async ValueTask<Pop3OpenResult> OpenAsync(string mailbox, string sessionId, CancellationToken cancellationToken)
    {
        var result = await inner.OpenAsync(mailbox, sessionId, cancellationToken);
        if (result.Status == Pop3OpenStatus.Opened)
        {
            await StopRenewalsAsync();
            _stop = new CancellationTokenSource();
            _renewals = RenewAsync(mailbox, sessionId, _stop.Token);
        }

        return result;
    }

    public ValueTask<ReadOnlyMemory<byte>?> ReadAsync(string mailbox, long uid, CancellationToken cancellationToken) =>
        inner.ReadAsync(mailbox, uid, cancellationToken);

    public async ValueTask<bool> CommitAsync(string mailbox, string sessionId, IReadOnlyCollection<long> deleteUids, CancellationToken cancellationToken)
    {
        await StopRenewalsAsync();
        return await inner.CommitAsync(mailbox, sessionId, deleteUids, cancellationToken);
    }

    public async ValueTask ReleaseAsync(string mailbox, string sessionId)
    {
        await StopRenewalsAsync();
        await inner.ReleaseAsync(mailbox, sessionId);
    }

    public async ValueTask DisposeAsync()
    {
        await StopRenewalsAsync();
        _lost.Dispose();
    }

    private async Task StopRenewalsAsync()
    {
        if (_stop is null)
        {
            return;
        }

        await _stop.CancelAsync();
        await _renewals;
        _stop.Dispose();
        _stop = null;
    }

    private async Task RenewAsync(string mailbox, string sessionId, CancellationToken stop)
    {
        var every = lease / 3;
        while (true)
        {
            try
            {
                await Task.Delay(every, time, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                if (!await renew(mailbox, sessionId))
                {
                    logger.LogWarning("POP3 session {SessionId} lost the lock of {Mailbox} to another session", sessionId, mailbox);
                    await _lost.CancelAsync();
                    return;
                }
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Renewing the lock of {Mailbox} failed; trying again in {Interval}", mailbox, every);
            }
        }
    }
}
