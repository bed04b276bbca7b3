using System.Security.Cryptography;
using System.Text;
using EmailAI.Contracts;
using EmailAI.Gateway.Pop3;
using EmailAI.Protocols.Auth;
using EmailAI.Protocols.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Gateway.Auth;

/// <summary>
/// The one login service of the gateway, for SMTP AUTH and POP3 alike (POP3 through <see cref="GrainPop3Backend"/>),
/// so both share one protection, one log line and one counter (<see cref="LoginTelemetry.Logins"/>). The limits are
/// the <c>EmailAI:Pop3</c> keys of <see cref="Pop3LoginOptions"/>, for both protocols.
/// <para>
/// Throttling, which must never let a stranger lock a user out: before a password or SCRAM proof is checked, a
/// check slot is reserved on two login-throttle grains, one for the pair (login name, client address) and one for
/// the client address (<see cref="GrainKeys"/>), each one call. At a limit the attempt is answered Throttled without
/// a check, after the failure delay; a refused reservation counts nothing, and slots older than the window are
/// forgotten. There is no per-account block: the owner with the right password from another address is never
/// refused because others guess. A success forgets the pair's slots and gives the client's back; a check that did
/// not happen (no hashing slot, a grain call failed) gives both back.
/// </para>
/// Unknown users and wrong passwords get the same answer after the same cost: the account grain checks an unknown
/// account against a decoy hash, and a name that is no address at all is checked on a reserved grain key the same
/// way. The password is never logged.
/// </summary>
public sealed partial class GrainCredentialVerifier(
    IGrainFactory grains,
    IOptions<Pop3LoginOptions> options,
    IOptions<EmailAIOptions> node,
    TimeProvider time,
    ILogger<GrainCredentialVerifier> logger) : ICredentialVerifier
{
    /// <summary>
    /// The account grain that checks names which are no account address (a decoy: the result is ignored). The
    /// <c>.invalid</c> TLD (RFC 2606) is never a real domain.
    /// </summary>
    public const string DecoyAccount = "nobody@decoy.invalid";

    private readonly byte[] _decoySaltKey = SHA256.HashData(Encoding.UTF8.GetBytes("emailai scram decoy salt\0" + node.Value.Cluster.ServiceId));

    public async ValueTask<LoginResult> VerifyPasswordAsync(LoginRequest request, string password, CancellationToken cancellationToken)
    {
        var isAddress = GrainKeys.TryNormalizeAddress(request.User, out var account);
        var result = await ThrottledAsync(request, async () =>
        {
            // The same call, and so the same cost, for a name that is no address: only its answer is ignored.
            var check = await grains.GetGrain<IAccountGrain>(account ?? DecoyAccount)
                .AuthenticateAsync(new AccountCredentials(password, RememberSuccessFor: options.Value.AuthCacheTtl));
            return check == CredentialCheck.Valid && !isAddress ? CredentialCheck.Invalid : check;
        }, cancellationToken);
        return new LoginResult(result, result == LoginStatus.Succeeded ? account : null);
    }

    /// <summary>POP3 APOP (RFC 1939 §7): a digest over the greeting's timestamp, throttled like a password.</summary>
    public async ValueTask<LoginResult> VerifyApopAsync(LoginRequest request, string timestamp, string digest, CancellationToken cancellationToken)
    {
        var isAddress = GrainKeys.TryNormalizeAddress(request.User, out var account);
        var result = await ThrottledAsync(request, async () => isAddress
            ? await grains.GetGrain<IAccountGrain>(account!).AuthenticateAsync(new AccountCredentials(null, timestamp, digest))
            : CredentialCheck.Invalid, cancellationToken);
        return new LoginResult(result, result == LoginStatus.Succeeded ? account : null);
    }

    /// <summary>
    /// The account's real salt and iterations, or, for an unknown user or an account without SCRAM keys yet, a salt
    /// made up from a keyed hash of the name (stable across nodes and restarts, keyed per cluster by its ServiceId)
    /// and the default iterations. The key need not be secret: RCPT already says which addresses exist on local
    /// domains, so this only has to avoid saying more than that.
    /// </summary>
    public async ValueTask<ScramParameters> GetScramParametersAsync(LoginRequest request, CancellationToken cancellationToken)
    {
        // The lookup activates the account grain of whatever name the client sends, before any proof: without a
        // bound, 2,500 made-up names a second from one client kept 150,000 activations (640 MB) in memory. Each
        // lookup takes one of the client address's slots (the same MaxAuthFailuresPerClient as logins); a
        // successful proof gives it back (VerifyScramAsync). Past the limit the name is answered with the decoy,
        // unasked, and the proof that follows is throttled like any login.
        var lookup = await ReserveLookupAsync(request);
        var isAddress = GrainKeys.TryNormalizeAddress(request.User, out var account);
        if (lookup && isAddress)
        {
            var salt = await grains.GetGrain<IAccountGrain>(account!).GetScramSaltAsync().WaitAsync(cancellationToken);
            if (salt is not null)
            {
                return new ScramParameters(salt.Salt, salt.Iterations);
            }
        }

        var name = Encoding.UTF8.GetBytes(account ?? request.User.ToLowerInvariant());
        return new ScramParameters(HMACSHA256.HashData(_decoySaltKey, name)[..ScramSha256.SaltBytes], ScramSha256.DefaultIterations);
    }

    /// <summary>A SCRAM proof: no slow hash, but the same throttle as a password.</summary>
    public async ValueTask<ScramResult> VerifyScramAsync(LoginRequest request, string authMessage, byte[] clientProof, CancellationToken cancellationToken)
    {
        var isAddress = GrainKeys.TryNormalizeAddress(request.User, out var account);
        byte[]? signature = null;
        var result = await ThrottledAsync(request, async () =>
        {
            if (!isAddress)
            {
                return CredentialCheck.Invalid;
            }

            var check = await grains.GetGrain<IAccountGrain>(account!).VerifyScramAsync(authMessage, clientProof);
            signature = check.ServerSignature;
            return check.Valid ? CredentialCheck.Valid : CredentialCheck.Invalid;
        }, cancellationToken);
        if (result == LoginStatus.Succeeded)
        {
            // The slot the parameter lookup took (GetScramParametersAsync): a user who logs in pays nothing for it.
            await GiveBackAsync(grains.GetGrain<ILoginThrottleGrain>(GrainKeys.ThrottleForClient(request.Client)), reserved: true, forgetAll: false);
            return new ScramResult(result, account, signature);
        }

        return new ScramResult(result);
    }

    /// <summary>One slot of the client address for a SCRAM parameter lookup; false when the address has none left.</summary>
    private async Task<bool> ReserveLookupAsync(LoginRequest request)
    {
        var policy = options.Value;
        try
        {
            return await grains.GetGrain<ILoginThrottleGrain>(GrainKeys.ThrottleForClient(request.Client))
                .TryReserveAsync(policy.MaxAuthFailuresPerClient, policy.AuthFailureWindow);
        }
        catch (Exception ex)
        {
            LogCheckFailed(logger, request.Protocol, LogText.EscapeToken(request.User), ex);
            return false;
        }
    }

    /// <summary>Reserve, check, report, log, count and (for a failure) delay: the one path of every login.</summary>
    private async Task<LoginStatus> ThrottledAsync(LoginRequest request, Func<Task<CredentialCheck>> check, CancellationToken cancellationToken)
    {
        var policy = options.Value;
        var pair = grains.GetGrain<ILoginThrottleGrain>(GrainKeys.ThrottleForLogin(request.User, request.Client));
        var client = grains.GetGrain<ILoginThrottleGrain>(GrainKeys.ThrottleForClient(request.Client));
        LoginStatus status;
        var pairReserved = false;
        var clientReserved = false;
        try
        {
            // Both reservations at once: a login costs one round trip for them.
            var pairCall = pair.TryReserveAsync(policy.MaxAuthFailures, policy.AuthFailureWindow);
            var clientCall = client.TryReserveAsync(policy.MaxAuthFailuresPerClient, policy.AuthFailureWindow);
            pairReserved = await pairCall;
            clientReserved = await clientCall;
            if (!pairReserved || !clientReserved)
            {
                status = LoginStatus.Throttled;
            }
            else
            {
                var verdict = await check();
                status = verdict switch
                {
                    CredentialCheck.Valid => LoginStatus.Succeeded,
                    CredentialCheck.Busy => LoginStatus.TemporaryFailure,
                    _ => LoginStatus.Failed,
                };
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogCheckFailed(logger, request.Protocol, LogText.EscapeToken(request.User), ex);
            status = LoginStatus.TemporaryFailure;
        }

        if (status != LoginStatus.Failed)
        {
            // The slot covered no failed check: a success, a check that did not happen, or the other key refused.
            await GiveBackAsync(pair, pairReserved, forgetAll: status == LoginStatus.Succeeded);
            await GiveBackAsync(client, clientReserved, forgetAll: false);
        }

        Report(request, status);
        if (status is LoginStatus.Failed or LoginStatus.Throttled && policy.AuthFailureDelay > TimeSpan.Zero)
        {
            // Dovecot's auth_failure_delay: slows guessing on one connection, and answers a throttled attempt no
            // faster than a checked one.
            await Task.Delay(policy.AuthFailureDelay, time, cancellationToken);
        }

        return status;
    }

    private async Task GiveBackAsync(ILoginThrottleGrain throttle, bool reserved, bool forgetAll)
    {
        if (!reserved)
        {
            return;
        }

        try
        {
            await throttle.ReleaseAsync(forgetAll);
        }
        catch (Exception ex)
        {
            // Only makes the throttle stricter until the window passes.
            LogReleaseFailed(logger, ex);
        }
    }

    private void Report(LoginRequest request, LoginStatus status)
    {
        var protocol = request.Protocol.ToLowerInvariant();
        var mechanism = request.Mechanism.ToString().ToLowerInvariant();
        var result = status.ToString().ToLowerInvariant();
        LoginTelemetry.Logins.Add(1,
            new KeyValuePair<string, object?>("protocol", protocol),
            new KeyValuePair<string, object?>("mechanism", mechanism),
            new KeyValuePair<string, object?>("result", result));
        LogLogin(logger, status == LoginStatus.Succeeded ? LogLevel.Information : LogLevel.Warning,
            request.Protocol, mechanism, LogText.EscapeToken(request.User), request.Client, request.SessionId, result);
    }

    [LoggerMessage(Message = "{Protocol} login mechanism={Mechanism} user={User} client={Client} session={SessionId}: {Result}")]
    private static partial void LogLogin(ILogger logger, LogLevel level, string protocol, string mechanism, string user, System.Net.IPAddress client, string sessionId, string result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Protocol} login check for user={User} failed")]
    private static partial void LogCheckFailed(ILogger logger, string protocol, string user, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A login throttle slot could not be given back")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception);
}
