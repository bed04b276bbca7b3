namespace EmailAI.Grains.Authentication.Dkim;

/// <summary>
/// Thrown by <see cref="DkimKeyLocator"/> to MimeKit's verifiers when there is no usable key: carries the DKIM result
/// (<c>permerror</c> or <c>temperror</c>) back to our code through MimeKit's <see cref="MimeKit.Cryptography.IDkimPublicKeyLocator"/>.
/// </summary>
internal sealed class DkimKeyException(string result, string reason) : Exception(reason)
{
    public string Result { get; } = result;
}
