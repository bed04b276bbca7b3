namespace EmailAI.Contracts;

/// <summary>
/// An admin's change to an account. A null <see cref="Password"/> keeps the current one. With
/// <see cref="KeepApopSecret"/> (set when the node offers APOP) the password is also kept in clear,
/// because APOP's digest needs it; otherwise only its hash is stored and any old clear copy is dropped.
/// <see cref="Delivery"/> sets the account to its maildrop or to an internal server (Advanced Delivery); null keeps it.
/// <see cref="QuotaBytes"/> is the account's storage quota in octets (0 unlimited); unlike the other members a null
/// does not keep the old value: it makes the account inherit its domain's quota, as PUT replaces the account.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AccountUpdate(string? Password, bool KeepApopSecret = false, DeliverySettings? Delivery = null)
{
    [Id(3)]
    public long? QuotaBytes { get; init; }

    /// <summary>The account's <c>"unlistedSenders"</c>; like <see cref="QuotaBytes"/>, null makes it inherit its domain's.</summary>
    [Id(4)]
    public UnlistedSenderMode? UnlistedSenders { get; init; }
}
