using System.Text;
using EmailAI.Grains.Delivery;

namespace EmailAI.Tests.Inbound;

/// <summary>
/// Regression (black-box attack, issue 13): a failed Advanced Delivery of mail whose SPF failed sent a signed bounce,
/// with the forger's text, to the forged sender. The notifier now reads our Authentication-Results on the queued copy.
/// </summary>
public sealed class BackscatterSuppressionTests
{
    [Theory]
    [InlineData("Authentication-Results: mx.test;\r\n\tspf=fail (matched -all at evil.test) smtp.mailfrom=evil.test;\r\n\tdkim=none;\r\n\tdmarc=none header.from=evil.test;\r\n\tarc=none\r\nReceived: x\r\n\r\nbody\r\n")]
    [InlineData("Authentication-Results: mx.test; spf=SoftFail smtp.mailfrom=evil.test; dmarc=none\r\nReceived: x\r\n\r\nbody\r\n")]
    [InlineData("Authentication-Results: mx.test;\r\n spf=pass smtp.mailfrom=evil.test;\r\n dmarc=fail (p=none) header.from=bank.test\r\n\r\nbody\r\n")]
    public void SenderFailedAuthentication_OurFieldFirstRecordingAFailure_True(string message) =>
        Assert.True(DeliveryNotifier.SenderFailedAuthentication(Encoding.ASCII.GetBytes(message)));

    [Theory]
    [InlineData("Authentication-Results: mx.test; spf=pass smtp.mailfrom=good.test; dkim=none; dmarc=pass header.from=good.test\r\n\r\nbody spf=fail\r\n")]
    [InlineData("Authentication-Results: mx.test; spf=none smtp.mailfrom=x.test; dmarc=none\r\nX-Note: dmarc=fail\r\n\r\nbody\r\n")]
    [InlineData("Received: from client\r\nAuthentication-Results: mx.test; spf=fail\r\n\r\nbody\r\n")]
    [InlineData("Authentication-Results: mx.test; spf=failed-later dmarc=failure\r\n\r\nbody\r\n")]
    [InlineData("")]
    public void SenderFailedAuthentication_NoFailureInOurFirstField_False(string message) =>
        Assert.False(DeliveryNotifier.SenderFailedAuthentication(Encoding.ASCII.GetBytes(message)));
}
