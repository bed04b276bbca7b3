namespace EmailAI.Tests.Smtp;

/// <summary>Transcript openings shared by the test classes (the harness's default server domain and client address).</summary>
public static class SmtpOpenings
{
    /// <summary>Greeting and EHLO with the full keyword list.</summary>
    public const string Ehlo = """
        S: 220 mx.example.com ESMTP EmailAI ready
        C: EHLO client.example.net
        S: 250-mx.example.com Hello [192.0.2.10]
        S: 250-PIPELINING
        S: 250-SIZE 10240000
        S: 250-8BITMIME
        S: 250-ENHANCEDSTATUSCODES
        S: 250 SMTPUTF8
        """;

    /// <summary><see cref="Ehlo"/> followed by an accepted MAIL.</summary>
    public const string EhloMail = Ehlo + """

        C: MAIL FROM:<sender@remote.example>
        S: 250 2.1.0 Sender OK
        """;
}
