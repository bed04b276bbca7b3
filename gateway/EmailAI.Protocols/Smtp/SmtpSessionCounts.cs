namespace EmailAI.Protocols.Smtp;

/// <summary>What one session did, for its disconnect log line (Postfix's <c>disconnect from … commands=</c>).</summary>
/// <param name="Commands">Command lines received (over-long and undecodable lines included).</param>
/// <param name="Recipients">Recipients accepted, over all transactions.</param>
/// <param name="Messages">Messages committed (answered 250 after DATA).</param>
/// <param name="Errors">Replies that counted toward <see cref="SmtpOptions.MaxErrors"/>.</param>
public sealed record SmtpSessionCounts(int Commands, int Recipients, int Messages, int Errors);
