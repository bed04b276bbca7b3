using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EmailAI.Tests.Delivery;

/// <summary>
/// A test-only SMTP server on 127.0.0.1 that outbound delivery can relay to as if it were a remote MX. It speaks
/// the ESMTP subset MailKit's <c>SmtpClient</c> uses (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, STARTTLS,
/// PIPELINING) and records every message it acknowledges with 2xx. Behaviour — rejecting recipients, failing DATA,
/// answering slowly, dropping the connection — is set through <see cref="Options"/>, also while it runs.
/// </summary>
/// <remarks>
/// Each connection runs on its own task. Exceptions from a session never escape: I/O errors and cancellation
/// end the connection quietly, anything else (a throwing hook, a sink defect) also ends it and is kept in
/// <see cref="SessionErrors"/>. <see cref="DisposeAsync"/> stops listening, closes every open connection and
/// waits for the sessions to end.
/// </remarks>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lazy<X509Certificate2> _certificate = new(CreateCertificate, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly ConcurrentDictionary<int, Socket> _openSockets = new();
    private readonly ConcurrentBag<Task> _sessions = [];

    // Guards _messages, _errors and the replacement of _changed.
    private readonly Lock _gate = new();
    private readonly List<SinkMessage> _messages = [];
    private readonly List<Exception> _errors = [];
    private TaskCompletionSource _changed = NewSignal();

    private SmtpSinkOptions _options;
    private Task _acceptLoop = Task.CompletedTask;
    private int _connectionsAccepted;
    private int _currentConnections;
    private int _maxConcurrentConnections;
    private int _disposed;

    private SmtpSink(SmtpSinkOptions options)
    {
        _options = options;
        _listener = new TcpListener(IPAddress.Loopback, 0);
    }

    /// <summary>Starts listening on 127.0.0.1 at an ephemeral port. With <see cref="SmtpSinkOptions.Tls"/> the certificate is made first.</summary>
    public static async Task<SmtpSink> StartAsync(SmtpSinkOptions? options = null)
    {
        var sink = new SmtpSink(options ?? new SmtpSinkOptions());
        if (sink.Options.Tls)
        {
            // Key generation is CPU work; do it before the first client waits on a handshake.
            await Task.Run(() => sink._certificate.Value);
        }

        sink._listener.Start();
        sink._acceptLoop = sink.AcceptLoopAsync();
        return sink;
    }

    /// <summary>The port the sink listens on (127.0.0.1).</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>
    /// The behaviour in force. Replacing it, or changing its properties, affects the next command of every
    /// connection (see <see cref="SmtpSinkOptions"/>).
    /// </summary>
    public SmtpSinkOptions Options
    {
        get => Volatile.Read(ref _options);
        set => Volatile.Write(ref _options, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>Every message acknowledged with 2xx so far, in the order the acknowledgements were decided. A snapshot.</summary>
    public IReadOnlyList<SinkMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>Unexpected exceptions that ended a session (a hook that threw, a sink defect); I/O errors are not listed. A snapshot.</summary>
    public IReadOnlyList<Exception> SessionErrors
    {
        get
        {
            lock (_gate)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>TCP connections accepted since start, including those refused by a non-220 greeting.</summary>
    public int ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    /// <summary>Connections accepted whose session has not ended yet.</summary>
    public int CurrentConnections => Volatile.Read(ref _currentConnections);

    /// <summary>The highest <see cref="CurrentConnections"/> ever observed (counted when a connection is accepted).</summary>
    public int MaxConcurrentConnections => Volatile.Read(ref _maxConcurrentConnections);

    /// <summary>The certificate presented after STARTTLS, made on first use and disposed with the sink.</summary>
    public X509Certificate2 Certificate => _certificate.Value;

    /// <summary>
    /// Waits until at least <paramref name="count"/> messages are recorded and returns all of them (possibly more).
    /// Throws <see cref="TimeoutException"/> describing what did arrive when <paramref name="timeout"/> passes first.
    /// </summary>
    public async Task<IReadOnlyList<SinkMessage>> WaitForMessagesAsync(int count, TimeSpan timeout)
    {
        using var expired = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_messages.Count >= count)
                {
                    return [.. _messages];
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(expired.Token);
            }
            catch (OperationCanceledException) when (expired.IsCancellationRequested)
            {
                throw new TimeoutException($"Expected {count} message(s) within {timeout} but the sink recorded " +
                    $"{Messages.Count}. {Describe()}");
            }
        }
    }

    /// <summary>
    /// Waits until no connection is open (every session ended), e.g. after the client under test should have
    /// sent QUIT. Throws <see cref="TimeoutException"/> when <paramref name="timeout"/> passes first.
    /// </summary>
    public async Task WaitForIdleAsync(TimeSpan timeout)
    {
        using var expired = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (CurrentConnections == 0)
                {
                    return;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(expired.Token);
            }
            catch (OperationCanceledException) when (expired.IsCancellationRequested)
            {
                throw new TimeoutException($"Expected no open connections within {timeout}. {Describe()}");
            }
        }
    }

    /// <summary>Stops listening, closes open connections and waits for their sessions. Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        foreach (var socket in _openSockets.Values)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_sessions);
        if (_certificate.IsValueCreated)
        {
            _certificate.Value.Dispose();
        }

        _stopping.Dispose();
    }

    /// <summary>Called by a session before it answers 2xx to the end of DATA, so a client that saw 250 finds the message here.</summary>
    internal void Record(SinkMessage message)
    {
        lock (_gate)
        {
            _messages.Add(message);
        }

        SignalChanged();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException
                && _stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // A connection reset while still in the backlog; keep listening.
                continue;
            }

            socket.NoDelay = true;
            var number = Interlocked.Increment(ref _connectionsAccepted);
            var current = Interlocked.Increment(ref _currentConnections);
            RaiseMaximum(current);
            _openSockets[number] = socket;
            _sessions.Add(RunSessionAsync(socket, number));
            SignalChanged();
        }
    }

    private async Task RunSessionAsync(Socket socket, int connectionNumber)
    {
        // Leave the accept loop at once; the session continues on the thread pool.
        await Task.Yield();
        try
        {
            var session = new SmtpSinkSession(this, new NetworkStream(socket, ownsSocket: true), connectionNumber);
            await session.RunAsync(_stopping.Token);
        }
        catch (Exception exception) when (IsDisconnect(exception))
        {
            // The client went away or the sink is stopping: not an error of the session.
        }
        catch (Exception exception)
        {
            lock (_gate)
            {
                _errors.Add(exception);
            }
        }
        finally
        {
            socket.Dispose();
            _openSockets.TryRemove(connectionNumber, out _);
            Interlocked.Decrement(ref _currentConnections);
            SignalChanged();
        }
    }

    private static bool IsDisconnect(Exception exception) =>
        exception is IOException or SocketException or ObjectDisposedException or OperationCanceledException
            or System.Security.Authentication.AuthenticationException;

    private void RaiseMaximum(int current)
    {
        var seen = Volatile.Read(ref _maxConcurrentConnections);
        while (current > seen)
        {
            var previous = Interlocked.CompareExchange(ref _maxConcurrentConnections, current, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private void SignalChanged()
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _changed;
            _changed = NewSignal();
        }

        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private string Describe()
    {
        var text = new StringBuilder();
        text.Append($"Connections accepted: {ConnectionsAccepted}, open: {CurrentConnections}.");
        foreach (var message in Messages)
        {
            text.Append($" Recorded: connection {message.ConnectionNumber}, MAIL FROM:<{message.MailFrom}>, " +
                $"RCPT {string.Join(", ", message.Recipients.Select(r => $"<{r}>"))}, {message.Data.Length} octets.");
        }

        foreach (var error in SessionErrors)
        {
            text.Append($" Session error: {error.GetType().Name}: {error.Message}");
        }

        return text.ToString();
    }

    /// <summary>
    /// A self-signed ECDSA P-256 certificate for "localhost" and 127.0.0.1, valid from yesterday for a week. Clients
    /// must disable validation to accept it.
    /// </summary>
    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var ephemeral = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));

        // Round-trip through PKCS#12: on Windows SslStream cannot use the ephemeral key CreateSelfSigned attaches.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);
    }
}
