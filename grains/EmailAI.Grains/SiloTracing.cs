using System.Diagnostics;

namespace EmailAI.Grains;

/// <summary>
/// The trace source of silo work: <c>store.commit</c> (a message's copies written, under the SMTP transaction's trace
/// that Orleans carries into the ingest call) and <c>smtp.delivery</c> (one outbound attempt to one host, tagged with
/// the queue id, so a trace search by <c>emailai.queue_id</c> finds the transaction and its attempts).
/// </summary>
public static class SiloTracing
{
    public const string Name = "EmailAI.Silo";

    public static readonly ActivitySource Source = new(Name);
}
