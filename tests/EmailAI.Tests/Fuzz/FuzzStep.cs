using System.Text;

namespace EmailAI.Tests.Fuzz;

/// <summary>
/// One step of a fuzz case. <see cref="Bytes"/> may hold <see cref="ApopPlaceholder"/>, which the POP3 driver
/// replaces with the digest over the greeting's timestamp (random per session, so it cannot be generated ahead).
/// </summary>
public sealed record FuzzStep(FuzzStepKind Kind, byte[] Bytes, TimeSpan Advance = default, int Fault = 0)
{
    public const string ApopPlaceholder = "{APOP-DIGEST}";

    public static FuzzStep Send(byte[] bytes) => new(FuzzStepKind.Send, bytes);

    public static FuzzStep Send(string text) => new(FuzzStepKind.Send, Encoding.UTF8.GetBytes(text));

    /// <summary>Bytes written one char per octet (what <see cref="ToString"/> prints, so any octet can be pasted back).</summary>
    public static FuzzStep Latin1(string octets) => new(FuzzStepKind.Send, Encoding.Latin1.GetBytes(octets));

    public static readonly FuzzStep Handshake = new(FuzzStepKind.Handshake, []);

    public static FuzzStep Wait(TimeSpan advance) => new(FuzzStepKind.Advance, [], advance);

    public static FuzzStep Failure(int fault) => new(FuzzStepKind.Fault, [], Fault: fault);

    /// <summary>The step as a line of C#, for a reproduction that can be pasted into a regression test.</summary>
    public override string ToString() => Kind switch
    {
        FuzzStepKind.Send => $"FuzzStep.Latin1({FuzzText.Literal(Bytes)})",
        FuzzStepKind.Handshake => "FuzzStep.Handshake",
        FuzzStepKind.Advance => $"FuzzStep.Wait(TimeSpan.FromSeconds({Advance.TotalSeconds:0.###}))",
        _ => $"FuzzStep.Failure({Fault})",
    };
}
