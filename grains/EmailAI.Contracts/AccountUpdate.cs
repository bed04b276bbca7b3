namespace EmailAI.Contracts;

/// <summary>
/// An admin's change to an account. A null <see cref="Password"/> keeps the current one. With
/// <see cref="KeepApopSecret"/> (set when the node offers APOP) the password is also kept in clear,
/// because APOP's digest needs it; otherwise only its hash is stored and any old clear copy is dropped.
/// <see cref="Delivery"/> sets the account to its maildrop or to an internal server (Advanced Delivery); null keeps it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AccountUpdate(string? Password, bool KeepApopSecret = false, DeliverySettings? Delivery = null);
