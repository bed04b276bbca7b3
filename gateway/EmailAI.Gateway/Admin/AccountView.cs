using System.Text.Json.Serialization;

namespace EmailAI.Gateway.Admin;

/// <summary>
/// An account as GET /api/v1/accounts/{address} answers it. <see cref="QuotaBytes"/> is written even when null (the
/// account inherits), so a reader tells "inherits" from "not supported"; <see cref="UsedBytes"/> and
/// <see cref="MessageCount"/> are the maildrop's usage now (the older <see cref="MessageBytes"/> and
/// <see cref="Messages"/> say the same and stay for existing clients). <see cref="UnlistedSenders"/> is likewise written
/// when null (inherits); <see cref="EffectiveUnlistedSenders"/> is the mode that applies.
/// </summary>
internal sealed record AccountView(
    string Address,
    object Delivery,
    DateTimeOffset CreatedAt,
    int Messages,
    long MessageBytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? QuotaBytes,
    long EffectiveQuotaBytes,
    long UsedBytes,
    int MessageCount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? UnlistedSenders,
    string EffectiveUnlistedSenders);
