namespace EmailAI.Tests.Fuzz;

/// <summary>A broken invariant: where it was found (run seed, case number, case seed) and the shrunk case that shows it.</summary>
public sealed record FuzzFailure(string Target, int Seed, int CaseIndex, int CaseSeed, string Problem, string Reproduction)
{
    public override string ToString() =>
        $"{Target} fuzz failure (run seed {Seed}, case {CaseIndex}, case seed {CaseSeed}):\n{Problem}\nshrunk reproduction:\n{Reproduction}";
}
