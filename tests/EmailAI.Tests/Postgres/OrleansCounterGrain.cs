using Orleans.Runtime;

namespace EmailAI.Tests.Postgres;

// The test grain, its interface and its state live together: they only exist for OrleansAdoNetTests.

/// <summary>A counter persisted through the ADO.NET grain storage named <see cref="OrleansTestSilo.StorageName"/>.</summary>
public interface IOrleansCounterGrain : IGrainWithStringKey
{
    /// <summary>Adds one and writes the state; returns the new count.</summary>
    Task<int> IncrementAsync();

    /// <summary>The count as read at activation or last written.</summary>
    Task<int> GetAsync();

    /// <summary>Registers (or replaces) a durable reminder due in five minutes, repeating every five.</summary>
    Task RegisterReminderAsync(string name);
}

[GenerateSerializer]
public sealed class OrleansCounterState
{
    [Id(0)]
    public int Count { get; set; }
}

/// <summary>
/// State name "counter" is what lands in OrleansStorage.GrainTypeString (the state name, not the grain
/// type): no other grain in the test silo uses that name on the same key.
/// </summary>
public sealed class OrleansCounterGrain(
    [PersistentState(OrleansCounterGrain.StateName, OrleansTestSilo.StorageName)] IPersistentState<OrleansCounterState> state)
    : Grain, IOrleansCounterGrain, IRemindable
{
    public const string StateName = "counter";

    public async Task<int> IncrementAsync()
    {
        state.State.Count++;
        await state.WriteStateAsync();
        return state.State.Count;
    }

    public Task<int> GetAsync() => Task.FromResult(state.State.Count);

    public async Task RegisterReminderAsync(string name) =>
        await this.RegisterOrUpdateReminder(name, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}
