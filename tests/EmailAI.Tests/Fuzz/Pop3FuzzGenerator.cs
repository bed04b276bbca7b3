using System.Text;
using EmailAI.Tests.Pop3;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// Generates POP3 conversations from RFC 1939, RFC 2449 (CAPA, pipelining), RFC 2595 (STLS) and RFC 5034 (AUTH
/// PLAIN): logins of every kind, right and wrong, then the TRANSACTION commands on message numbers in and out of
/// range, mutated now and then by <see cref="FuzzMutator"/>, one per read or pipelined.
/// </summary>
public static class Pop3FuzzGenerator
{
    private static readonly string[] Numbers = ["1", "2", "3", "4", "5", "6", "7", "0", "-1", "1 2", "99999999999", "", "x", " 1"];

    // Eight faults (Pop3FuzzTarget); waits mostly short, now and then past the 10-minute autologout.
    private static readonly FuzzScript Script = new(
        8,
        random => TimeSpan.FromSeconds(random.Next(5) == 0 ? random.Next(590, 700) : random.Next(1, 300)),
        255,
        "STLS",
        "QUIT\r\nSTAT\r\nDELE 1\r\nQUIT\r\n");

    public static FuzzCase<Pop3FuzzSetup> Generate(Random random) =>
        new(Pop3FuzzSetup.Generate(random), Script.Generate(random, Lines));

    private static string Number(Random random) => Numbers[random.Next(Numbers.Length)];

    private static IEnumerable<string> Lines(Random random) => random.Next(26) switch
    {
        0 or 1 or 2 => ["USER alice", "PASS " + FakePop3Backend.AlicePassword],
        3 => ["USER bob", "PASS " + FakePop3Backend.BobPassword],
        4 => [(new[] { "USER alice", "USER nobody", "USER", "USER a b" })[random.Next(4)], random.Next(2) == 0 ? "PASS wrong" : "PASS"],
        5 => ["PASS " + FakePop3Backend.AlicePassword],
        6 => ["APOP alice " + (random.Next(3) == 0 ? new string('0', 32) : FuzzStep.ApopPlaceholder)],
        7 => [(new[] { "APOP alice", "APOP alice xyz", "APOP " + FuzzStep.ApopPlaceholder, "APOP nobody " + FuzzStep.ApopPlaceholder })[random.Next(4)]],
        8 => ["AUTH PLAIN " + FuzzCredentials.Plain("alice", FakePop3Backend.AlicePassword)],
        9 => ["AUTH PLAIN", (new[] { FuzzCredentials.Plain("alice", FakePop3Backend.AlicePassword), "*", "!!", FuzzCredentials.Base64("bob\0alice\0" + FakePop3Backend.AlicePassword), new string('A', random.Next(4000, 4200)) })[random.Next(5)]],
        10 => [(new[] { "AUTH", "AUTH CRAM-MD5", "AUTH PLAIN =", "AUTH PLAIN " + FuzzCredentials.Plain("alice", "wrong") })[random.Next(4)]],
        11 => ["CAPA"],
        12 => [random.Next(3) == 0 ? "STAT x" : "STAT"],
        13 => [random.Next(2) == 0 ? "LIST" : "LIST " + Number(random)],
        14 => [random.Next(2) == 0 ? "UIDL" : "UIDL " + Number(random)],
        15 or 16 => ["RETR " + Number(random)],
        17 => ["TOP " + Number(random) + " " + (new[] { "0", "1", "2", "99999999999", "-1", "" })[random.Next(6)]],
        18 or 19 => ["DELE " + Number(random)],
        20 => [random.Next(3) == 0 ? "RSET x" : "RSET"],
        21 => ["NOOP"],
        22 => [random.Next(4) == 0 ? "STLS now" : "STLS"],
        23 => [random.Next(3) == 0 ? "QUIT" : "LAST"],
        24 => [Encoding.Latin1.GetString(FuzzMutator.Garbage(random, 40))],
        _ => ["USER alice", "PASS " + FakePop3Backend.AlicePassword, "STAT", "LIST", "UIDL", "RETR 1", "TOP 2 1", "DELE 1", "RETR 2", "RETR 3"],
    };
}
