namespace EmailAI.Contracts;

/// <summary>
/// An envelope sender (MAIL FROM) to decide for an authenticated session: the local part in its wire form and the
/// domain as the client wrote them (both empty for the null reverse-path <c>&lt;&gt;</c>). The silo normalises.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SenderRequest(SessionFacts Facts, string LocalPart, string Domain)
{
    public bool IsNullSender => LocalPart.Length == 0 && Domain.Length == 0;
}
