using EmailAI.Contracts;
using EmailAI.Grains.DkimSigning;
using EmailAI.Protocols.Smtp;
using EmailAI.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmailAI.Grains.Delivery;

/// <summary>
/// Delivers the queued mail of one destination domain over SMTP: thin wiring of three parts and the grain's
/// timer. The <see cref="DeliveryScheduler"/> loads due rows and keeps the connection budget and slow start;
/// the <see cref="DeliveryTransactionRunner"/> runs one transaction on one connection and records each
/// recipient's outcome; the <see cref="DeliveryNotifier"/> sends DSNs and delay warnings. Durable state is the
/// queue rows in the store; in memory are only the rows loaded and the connections. One activation per
/// destination in the cluster, so the connection limit is cluster-wide. At-least-once: a row is removed only
/// after the remote 250; a crash between the two may send once more.
/// </summary>
public sealed class DeliveryGrain(
    IMessageStore store,
    DeliveryRouter router,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    DkimOutboundSigner dkim,
    ILogger<DeliveryGrain> logger) : Grain, IDeliveryGrain
{
    private DeliveryScheduler? _scheduler;
    private IGrainTimer? _timer;

    private DeliveryScheduler Scheduler => _scheduler ?? throw new InvalidOperationException("The grain is not activated.");

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Claims name this activation: a second activation of the destination elsewhere is another owner.
        var owner = $"{RuntimeIdentity}/{Guid.NewGuid():N}";
        var notifier = new DeliveryNotifier(store, GrainFactory, options.Value, time, logger, owner, dkim);
        var runner = new DeliveryTransactionRunner(store, notifier, dkim, options.Value, time, logger, owner);
        _scheduler = new DeliveryScheduler(this.GetPrimaryKeyString(), store, router, runner, options.Value, time, logger, Schedule, DelayDeactivation);
        return Task.CompletedTask;
    }

    public Task WakeAsync()
    {
        _ = Scheduler.LoadAndStartAsync();
        return Task.CompletedTask;
    }

    public Task<DeliveryActivity> GetActivityAsync() => Task.FromResult(Scheduler.Activity);

    private void Schedule(TimeSpan due)
    {
        _timer?.Dispose();
        var delay = due < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : due;
        _timer = this.RegisterGrainTimer(() => Scheduler.LoadAndStartAsync(), new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { Interleave = true });
    }
}
