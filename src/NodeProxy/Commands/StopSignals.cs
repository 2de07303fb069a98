using System.Runtime.InteropServices;

namespace NodeProxy.Commands;

/// <summary>
/// SIGTERM (kubelet stopping the pod) and SIGINT become a cancellation, so the agent stops
/// between syncs, never half-way through one, and exits 0.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource stop;
    private readonly PosixSignalRegistration[] registrations;

    public StopSignals(CancellationToken outer)
    {
        stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        registrations = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT }.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        }))];
    }

    public CancellationToken Token => stop.Token;

    public void Dispose()
    {
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }

        stop.Dispose();
    }
}
