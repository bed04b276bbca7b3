using System.Diagnostics.CodeAnalysis;

namespace EmailAI.Protocols.Auth;

/// <summary>
/// SCRAM's client-final-message (RFC 5802 §7): <c>c=</c> base64 channel binding, <c>r=</c> nonce, optional
/// extensions, and last <c>p=</c> base64 proof. <see cref="WithoutProof"/> is the part that enters the
/// AuthMessage. Errors are RFC 5802 §7 server-error names. <see cref="ToString"/> leaves the proof out.
/// </summary>
public sealed class ScramClientFinalMessage
{
    private ScramClientFinalMessage(byte[] channelBinding, string nonce, byte[] proof, string withoutProof)
    {
        ChannelBinding = channelBinding;
        Nonce = nonce;
        Proof = proof;
        WithoutProof = withoutProof;
    }

    /// <summary>The decoded c= value: for a client without channel binding, the gs2 header itself.</summary>
    public byte[] ChannelBinding { get; }

    public string Nonce { get; }

    public byte[] Proof { get; }

    /// <summary>client-final-message-without-proof, as sent.</summary>
    public string WithoutProof { get; }

    /// <summary>Parses the message; false with an RFC 5802 error name, never an exception.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out ScramClientFinalMessage? message, out string error)
    {
        message = null;
        error = "invalid-encoding";
        var proofAt = text.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
        {
            return false;
        }

        var withoutProof = text[..proofAt];
        var attributes = withoutProof.Split(',');
        if (attributes.Length < 2 || !attributes[0].StartsWith("c=", StringComparison.Ordinal) || !attributes[1].StartsWith("r=", StringComparison.Ordinal))
        {
            return false;
        }

        if (!SaslBase64.TryDecode(attributes[0][2..], out var channelBinding) || !SaslBase64.TryDecode(text[(proofAt + 3)..], out var proof) || proof.Length == 0)
        {
            return false;
        }

        var nonce = attributes[1][2..];
        if (nonce.Length == 0 || !nonce.All(ScramClientFirstMessage.IsNonceChar))
        {
            return false;
        }

        message = new ScramClientFinalMessage(channelBinding, nonce, proof, withoutProof);
        error = "";
        return true;
    }

    public override string ToString() => WithoutProof + ",p=(hidden)";
}
