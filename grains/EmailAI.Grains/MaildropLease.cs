namespace EmailAI.Grains;

/// <summary>A maildrop lock's holder and the end of its lease, as handed over between activations.</summary>
[GenerateSerializer]
public sealed record MaildropLease([property: Id(0)] string Holder, [property: Id(1)] DateTimeOffset Expires);
