namespace EmailAI.Storage;

/// <summary>A maildrop copy: content and envelope, and the maildrops it is appended to.</summary>
public sealed record LocalCopy(StoredMessage Message, IReadOnlyList<string> Mailboxes);
