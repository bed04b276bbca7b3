using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EmailAI.Protocols.Auth;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.Smtp;
using EmailAI.Tests.Auth;
using EmailAI.Tests.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// Runs generated conversations through <see cref="SmtpSession"/> with the engine tests' fakes, pumping bytes as the
/// gateway does (batches of replies, unconsumed bytes offered again, clear text after STARTTLS's 220 discarded), and
/// checks on every case: no exception escapes; every reply is well-formed (<see cref="SmtpReplyChecker"/>); a message
/// reaches the sink only in the call that answers its 250, and every "250 queued as" names exactly one commit;
/// nothing is answered or committed after 221/421; a session that is not in DATA never sits on a complete line;
/// the deadline never moves backwards; committed text has no bare LF (and no bare CR with BareLineFeeds=reject) and no
/// line over the limit (LongLines=reject).
/// </summary>
public sealed partial class SmtpFuzzTarget : IFuzzTarget<SmtpFuzzSetup>
{
    public const string ServerDomain = "mx.example.com";

    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");

    // Deriving SCRAM keys costs 4096 PBKDF2 rounds: one verifier serves every case, its fault switches reset.
    private readonly FakeCredentialVerifier _verifier = CreateVerifier();

    public string Name => "SMTP";

    public FuzzCase<SmtpFuzzSetup> Generate(Random random) => SmtpFuzzGenerator.Generate(random);

    public Task<FuzzOutcome> RunAsync(FuzzCase<SmtpFuzzSetup> fuzzCase, Random? splitter) =>
        new Run(fuzzCase.Setup, ResetVerifier(), splitter).RunAsync(fuzzCase.Steps);

    private static FakeCredentialVerifier CreateVerifier()
    {
        var verifier = new FakeCredentialVerifier();
        verifier.Add(FuzzCredentials.User, FuzzCredentials.Password, FuzzCredentials.Salt);
        return verifier;
    }

    private FakeCredentialVerifier ResetVerifier()
    {
        _verifier.Calls.Clear();
        _verifier.NextStatus.Clear();
        _verifier.ThrowOnNext = 0;
        return _verifier;
    }

    [GeneratedRegex("[0-9A-Z]{16}")]
    private static partial Regex QueueIdPattern();

    [GeneratedRegex(@"\.[0-9a-f]{16}@")]
    private static partial Regex MessageIdRandomPattern();

    /// <summary>One session and what it said.</summary>
    private sealed class Run : FuzzSession
    {
        private readonly SmtpFuzzSetup _setup;
        private readonly FakeRecipientPolicy _policy = new();
        private readonly FakeMessageSink _sink = new();
        private readonly FakeCredentialVerifier _verifier;
        private readonly SmtpSession _session;
        private readonly StringBuilder _wire = new();
        private readonly List<string> _queued = [];
        private bool _closing;

        public Run(SmtpFuzzSetup setup, FakeCredentialVerifier verifier, Random? splitter)
            : base(splitter)
        {
            _setup = setup;
            _verifier = verifier;
            var senders = new FakeSenderPolicy();
            var context = setup.Profile switch
            {
                SmtpFuzzProfile.Mta => SmtpSessionContext.Plain,
                SmtpFuzzProfile.MtaTls => new SmtpSessionContext(SmtpEndpoint.Mta, TlsAvailable: true, Credentials: verifier, Senders: senders),
                SmtpFuzzProfile.InsecureAuth => new SmtpSessionContext(SmtpEndpoint.Mta, TlsAvailable: false, Credentials: verifier, Senders: senders),
                SmtpFuzzProfile.Submission => new SmtpSessionContext(SmtpEndpoint.Submission, TlsAvailable: true, Credentials: verifier, Senders: senders),
                _ => new SmtpSessionContext(SmtpEndpoint.Submissions, TlsAvailable: true, ImplicitTls: Tls13, Credentials: verifier, Senders: senders),
            };
            _session = new SmtpSession(setup.CreateOptions(), context, "fuzz-1", Client, _policy, _sink, Time)
            {
                ScramFactory = (v, request) => new SaslScramSha256(v, request, FuzzCredentials.ServerNonce),
            };
            Record(_session.Start(), greeting: true);
        }

        protected override DateTimeOffset Deadline => _session.Deadline;

        protected override void Handshake()
        {
            if (_session.TlsRequested)
            {
                _session.TlsStarted(Tls13);
            }
        }

        protected override void TimeOut()
        {
            if (_session.CheckTimeout() is { } timeout)
            {
                Record(timeout, greeting: false);
            }
        }

        protected override void Inject(int fault)
        {
            switch (fault)
            {
                case 0: _sink.ThrowOnNext++; break;
                case 1: _sink.FailOnNext++; break;
                case 2: _policy.ThrowOnNext++; break;
                case 3: _policy.TemporaryFailureOnNext++; break;
                case 4: _verifier.ThrowOnNext++; break;
                default: _verifier.NextStatus.Enqueue(LoginStatus.Throttled); break;
            }
        }

        /// <summary>One read, as the gateway's pump handles it.</summary>
        protected override async Task PumpAsync(ReadOnlyMemory<byte> read)
        {
            if (_session.TlsRequested)
            {
                // Clear text after 220 to STARTTLS: never given to the session (the real handshake fails on it).
                return;
            }

            Input.Append(read, Splitter);
            while (true)
            {
                var input = Input.Sequence;
                var batch = new List<SmtpReply>();
                var attempts = _sink.Attempts;
                var position = await _session.ProcessAsync(input, batch, CancellationToken.None);
                Input.Consume(input.Slice(input.Start, position).Length);
                if (_closing && (batch.Count > 0 || _sink.Attempts != attempts))
                {
                    Violations.Add($"the session went on after it closed: {batch.Count} replies, {_sink.Attempts - attempts} commits");
                }

                foreach (var reply in batch)
                {
                    Record(reply, greeting: false);
                }

                // As the host does: the error tarpit's delay is waited on the session's clock before the batch is written.
                if (_session.TakeReplyDelay() is { } delay && delay > TimeSpan.Zero)
                {
                    Time.Advance(delay);
                }

                CheckCommits();
                CheckDeadline("a read");
                if (_session.TlsRequested)
                {
                    Input.Clear();
                    break;
                }

                if (batch.Count == 0 || Input.Length == 0)
                {
                    break;
                }
            }

            CheckNothingLeftUnanswered(_session.IsClosed || _session.TlsRequested || _session.InData);
        }

        private void Record(SmtpReply reply, bool greeting)
        {
            foreach (var problem in SmtpReplyChecker.Check(reply, greeting, ServerDomain))
            {
                Violations.Add(problem);
            }

            if (_closing)
            {
                Violations.Add($"a reply after the session closed: {reply.ToSingleLine()}");
            }

            Codes.Add(reply.EnhancedCode is null ? reply.Code.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{reply.Code} {reply.EnhancedCode}");
            var text = reply.ToString();
            if (reply.Code == 250 && reply.Lines[0].StartsWith("OK queued as ", StringComparison.Ordinal))
            {
                _queued.Add(reply.Lines[0]["OK queued as ".Length..]);
            }

            _wire.Append(QueueIdPattern().Replace(text, "<QUEUE-ID>"));
            if (reply.Code is 221 or 421)
            {
                _closing = true;
            }
        }

        /// <summary>Every commit so far was answered 250 in the same call, and no 250 names a message not committed.</summary>
        private void CheckCommits()
        {
            var committed = _sink.Deliveries.Select(d => d.Envelope.QueueId).ToList();
            if (!committed.SequenceEqual(_queued))
            {
                Violations.Add($"commits [{string.Join(", ", committed)}] but 250 replies for [{string.Join(", ", _queued)}]");
                _queued.Clear();
                _queued.AddRange(committed);
            }
        }

        protected override void Finish()
        {
            if (_closing != _session.IsClosed)
            {
                Violations.Add(_closing ? "221/421 was answered but the session is not closed" : "the session closed without 221/421");
            }

            foreach (var (envelope, content) in _sink.Deliveries)
            {
                CheckContent(envelope, content);
            }
        }

        private void CheckContent(SmtpEnvelope envelope, byte[] content)
        {
            var lineStart = 0;
            for (var i = 0; i < content.Length; i++)
            {
                var bareCr = content[i] == '\r' && (i + 1 == content.Length || content[i + 1] != '\n');
                var bareLf = content[i] == '\n' && (i == 0 || content[i - 1] != '\r');
                // Normalize stores a bare LF as CRLF and keeps a bare CR as text (BareLineFeedPolicy); Reject stores neither.
                if (bareLf || (bareCr && _setup.BareLineFeeds == BareLineFeedPolicy.Reject))
                {
                    Violations.Add($"message {envelope.QueueId} was stored with a bare {(bareCr ? "CR" : "LF")} at octet {i}");
                    return;
                }

                if (content[i] == '\n')
                {
                    if (_setup.LongLines == LongLinePolicy.Reject && i + 1 - lineStart > 1000)
                    {
                        Violations.Add($"message {envelope.QueueId} was stored with a line of {i + 1 - lineStart} octets (LongLines=reject)");
                        return;
                    }

                    lineStart = i + 1;
                }
            }
        }

        /// <summary>The replies, then the commits: queue ids and Message-ID's random part blanked, content hashed.</summary>
        protected override string Transcript()
        {
            var builder = new StringBuilder(_wire.Length + 256).Append(_wire);
            foreach (var (envelope, content) in _sink.Deliveries)
            {
                var text = Encoding.Latin1.GetString(content).Replace(envelope.QueueId, "<QUEUE-ID>", StringComparison.Ordinal);
                text = MessageIdRandomPattern().Replace(text, ".<RANDOM>@");
                builder.Append("commit ").Append(envelope.Sender).Append(" -> ").AppendJoin(",", envelope.Recipients.Select(r => r.Path))
                    .Append(' ').Append(content.Length).Append(' ')
                    .Append(Convert.ToHexString(SHA256.HashData(Encoding.Latin1.GetBytes(text)))[..16]).Append('\n');
            }

            return builder.ToString();
        }
    }
}
