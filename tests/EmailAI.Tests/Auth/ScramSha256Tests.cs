using System.Text;
using EmailAI.Protocols.Auth;

namespace EmailAI.Tests.Auth;

/// <summary>The SCRAM-SHA-256 arithmetic against the example exchange of RFC 7677 §3.</summary>
public sealed class ScramSha256Tests
{
    private const string ClientFirstBare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ClientFinalWithoutProof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private const string AuthMessage = ClientFirstBare + "," + ServerFirst + "," + ClientFinalWithoutProof;
    private static readonly byte[] Salt = Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ==");

    [Fact]
    public void ClientProof_Rfc7677Example_MatchesTheRfc()
    {
        var proof = ScramSha256.ClientProof("pencil", Salt, 4096, AuthMessage);
        Assert.Equal("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", Convert.ToBase64String(proof));
    }

    [Fact]
    public void DerivedKeys_Rfc7677Example_VerifyTheRfcProofAndGiveItsServerSignature()
    {
        var (stored, server) = ScramSha256.DeriveKeys("pencil", Salt, 4096);
        Assert.True(ScramSha256.VerifyProof(stored, AuthMessage, Convert.FromBase64String("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")));
        Assert.Equal("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", Convert.ToBase64String(ScramSha256.ServerSignature(server, AuthMessage)));
    }

    [Fact]
    public void VerifyProof_WrongPasswordOrOtherAuthMessage_Refused()
    {
        var (stored, _) = ScramSha256.DeriveKeys("pencil", Salt, 4096);
        Assert.False(ScramSha256.VerifyProof(stored, AuthMessage, ScramSha256.ClientProof("pencil2", Salt, 4096, AuthMessage)));
        var replayed = ScramSha256.ClientProof("pencil", Salt, 4096, AuthMessage);
        Assert.False(ScramSha256.VerifyProof(stored, AuthMessage.Replace("rOprNG", "xOprNG", StringComparison.Ordinal), replayed));
        Assert.False(ScramSha256.VerifyProof(stored, AuthMessage, Encoding.UTF8.GetBytes("short")));
    }
}
