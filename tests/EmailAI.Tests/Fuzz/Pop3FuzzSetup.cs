using EmailAI.Protocols.Pop3;

namespace EmailAI.Tests.Fuzz;

/// <summary>How a POP3 fuzz session is set up: the connection's security, the switches and the error limit.</summary>
public sealed record Pop3FuzzSetup(bool Secure, bool TlsAvailable, bool ImplicitTls, bool EnableApop, bool AllowInsecureAuth, int MaxErrors)
{
    public Pop3Options CreateOptions() => new()
    {
        ServerDomain = Pop3FuzzTarget.ServerDomain,
        EnableApop = EnableApop,
        AllowInsecureAuth = AllowInsecureAuth,
        MaxErrors = MaxErrors,
    };

    public static Pop3FuzzSetup Generate(Random random) => new(
        random.Next(2) == 0,
        random.Next(2) == 0,
        random.Next(5) == 0,
        random.Next(2) == 0,
        random.Next(4) == 0,
        random.Next(3) == 0 ? random.Next(1, 6) : 20);

    public override string ToString() =>
        $"new Pop3FuzzSetup({Lower(Secure)}, {Lower(TlsAvailable)}, {Lower(ImplicitTls)}, {Lower(EnableApop)}, {Lower(AllowInsecureAuth)}, {MaxErrors})";

    private static string Lower(bool value) => value ? "true" : "false";
}
