using System.Buffers;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using EmailAI.Protocols.Common;
using EmailAI.Protocols.Pop3;
using EmailAI.Tests.Pop3;
using Microsoft.Extensions.Time.Testing;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// Runs generated conversations through <see cref="Pop3Session"/> and <see cref="FakePop3Backend"/>, pumping bytes as
/// the gateway does (one command per call, offered again while it answers; clear text after STLS's +OK discarded;
/// RETR/TOP data through <see cref="Pop3DotStuffer"/> in pieces of random size), and checks on every case: no
/// exception escapes; every response is well-formed (<see cref="Pop3ResponseChecker"/>); nothing is answered after
/// the session closed; a complete line is never left unanswered; the deadline never moves backwards; messages
/// leave the maildrop only through a QUIT answered "+OK … signing off (N messages deleted)", N of them.
/// </summary>
public sealed partial class Pop3FuzzTarget : IFuzzTarget<Pop3FuzzSetup>
{
    public const string ServerDomain = "pop.example.com";

    /// <summary>Alice's maildrop: plain, dot lines of every kind, empty, no final CRLF, a long line, header only, 8-bit.</summary>
    private static readonly byte[][] Messages =
    [
        Encoding.ASCII.GetBytes("Subject: one\r\n\r\nbody\r\n"),
        Encoding.ASCII.GetBytes("Subject: dots\r\n\r\n.leading\r\n..two\r\n.\r\n.\r\nend without CRLF"),
        [],
        Encoding.ASCII.GetBytes("Subject: long\r\n\r\n" + new string('L', 5000) + "\r\n.\r\n"),
        Encoding.ASCII.GetBytes("Subject: header only\r\n"),
        [.. "Subject: caf"u8, 0xE9, .. "\r\n\r\n"u8, 0xFF, 0xFE, .. "\r\n.x\r\n"u8],
    ];

    public string Name => "POP3";

    public FuzzCase<Pop3FuzzSetup> Generate(Random random) => Pop3FuzzGenerator.Generate(random);

    public Task<FuzzOutcome> RunAsync(FuzzCase<Pop3FuzzSetup> fuzzCase, Random? splitter) =>
        new Run(fuzzCase.Setup, splitter).RunAsync(fuzzCase.Steps);

    [GeneratedRegex(@"<[0-9a-f]{16}\.[0-9]+@")]
    private static partial Regex ApopTimestampPattern();

    [GeneratedRegex("[0-9]+")]
    private static partial Regex DigitsPattern();

    [GeneratedRegex(@"signing off \(([0-9]+) messages deleted\)")]
    private static partial Regex SignedOffPattern();

    private sealed class Run : FuzzSession
    {
        private readonly FakePop3Backend _backend = new();
        private readonly Pop3Session _session;
        private readonly ArrayBufferWriter<byte> _wire = new();
        private readonly string _apopDigest;
        private readonly int _stored;
        private int? _signedOffDeleted;

        public Run(Pop3FuzzSetup setup, Random? splitter)
            : base(splitter)
        {
            for (var i = 0; i < Messages.Length; i++)
            {
                _backend.AddMessage(FakePop3Backend.AliceMailbox, 100 + i, Messages[i]);
            }

            _stored = Messages.Length;
            _session = new Pop3Session(setup.CreateOptions(), "fuzz-pop3", IPAddress.Parse("192.0.2.10"), setup.Secure, _backend, Time,
                tlsAvailable: setup.TlsAvailable, implicitTls: setup.ImplicitTls ? Tls13 : null);
            var greeting = _session.Start();
            var at = greeting.IndexOf('<', StringComparison.Ordinal);
            _apopDigest = at < 0 ? new string('0', 32) : FakePop3Backend.ApopDigest(greeting[at..], FakePop3Backend.AlicePassword);
            Write(new Pop3Response(greeting));
        }

        protected override DateTimeOffset Deadline => _session.Deadline;

        protected override byte[] Prepare(byte[] bytes)
        {
            var text = Encoding.Latin1.GetString(bytes);
            return text.Contains(FuzzStep.ApopPlaceholder, StringComparison.Ordinal)
                ? Encoding.Latin1.GetBytes(text.Replace(FuzzStep.ApopPlaceholder, _apopDigest, StringComparison.Ordinal))
                : bytes;
        }

        protected override void Handshake()
        {
            if (_session.TlsRequested)
            {
                _session.TlsStarted(Tls13);
            }
        }

        protected override void TimeOut()
        {
            var closed = _session.IsClosed;
            if (_session.CheckTimeout() is { } line)
            {
                Record(new Pop3Response(line), closed);
            }
        }

        protected override void Inject(int fault)
        {
            switch (fault)
            {
                case 0: _backend.AuthenticateThrowsOnNext++; break;
                case 1: _backend.AuthenticateTemporaryFailureOnNext++; break;
                case 2: _backend.OpenInUseOnNext++; break;
                case 3: _backend.ReadThrowsOnNext++; break;
                case 4: _backend.ReadGoneOnNext++; break;
                case 5: _backend.CommitFailsOnNext++; break;
                case 6: _backend.CommitThrowsOnNext++; break;
                default: _backend.Throttle("alice"); break;
            }
        }

        protected override async Task PumpAsync(ReadOnlyMemory<byte> read)
        {
            if (_session.TlsRequested)
            {
                return;
            }

            Input.Append(read, Splitter);
            while (true)
            {
                var input = Input.Sequence;
                var responses = new List<Pop3Response>();
                var closed = _session.IsClosed;
                var position = await _session.ProcessAsync(input, responses, CancellationToken.None);
                Input.Consume(input.Slice(input.Start, position).Length);
                CheckDeadline("a read");
                if (responses.Count == 0)
                {
                    break;
                }

                foreach (var response in responses)
                {
                    Record(response, closed);
                }

                _session.RestartAutologout();
                CheckDeadline("the restart of the autologout timer");
                if (_session.TlsRequested)
                {
                    Input.Clear();
                    break;
                }
            }

            CheckNothingLeftUnanswered(_session.IsClosed || _session.TlsRequested);
        }

        private void Record(Pop3Response response, bool closedBefore)
        {
            if (closedBefore)
            {
                Violations.Add($"a response after the session closed: {response.StatusLine}");
            }

            Violations.AddRange(Pop3ResponseChecker.CheckLines(response));
            Codes.Add(DigitsPattern().Replace(ApopTimestampPattern().Replace(response.StatusLine, "<TIMESTAMP@"), "N"));
            if (SignedOffPattern().Match(response.StatusLine) is { Success: true } signedOff)
            {
                _signedOffDeleted = int.Parse(signedOff.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }

            Write(response);
        }

        private void Write(Pop3Response response)
        {
            response.WriteLinesTo(_wire);
            if (response.Content is not { } content)
            {
                return;
            }

            var start = _wire.WrittenCount;
            var stuffer = new Pop3DotStuffer(content);
            var pieces = 0;
            while (!stuffer.WriteNext(_wire, Splitter is null ? 64 * 1024 : Splitter.Next(1, 300)))
            {
                if (++pieces > 1_000_000)
                {
                    Violations.Add("the dot-stuffer never completed");
                    return;
                }
            }

            var whole = content.BodyLines == int.MaxValue;
            Violations.AddRange(Pop3ResponseChecker.CheckData(_wire.WrittenSpan[start..], content.Message.Span, whole));
        }

        protected override void Finish()
        {
            var removed = _stored - _backend.StoredUids(FakePop3Backend.AliceMailbox).Count;
            if (removed != (_signedOffDeleted ?? 0))
            {
                Violations.Add($"{removed} messages left the maildrop, but the session said {(_signedOffDeleted is { } n ? $"{n} deleted" : "no signing off")}");
            }

            if (_backend.StoredUids(FakePop3Backend.BobMailbox).Count != 0)
            {
                Violations.Add("bob's empty maildrop changed");
            }
        }

        protected override string Transcript() => ApopTimestampPattern().Replace(Encoding.Latin1.GetString(_wire.WrittenSpan), "<TIMESTAMP@");
    }
}
