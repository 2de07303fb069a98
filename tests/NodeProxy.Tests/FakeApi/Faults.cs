namespace NodeProxy.Tests.FakeApi;

/// <summary>The switches tests flip to make the server fail the way real apiservers and networks do.</summary>
sealed class Faults
{
    readonly Lock gate = new();
    TaskCompletionSource running = Running();
    int failuresLeft;
    int failureCode;

    public bool Available { get; set; } = true;

    /// <summary>While set, every watch is accepted (200) and then ends with an ERROR event of this status.</summary>
    public int? WatchError { get; set; }

    public void Stall(bool stalled)
    {
        lock (gate)
        {
            if (stalled && running.Task.IsCompleted)
                running = new(TaskCreationOptions.RunContinuationsAsynchronously);
            else if (!stalled)
                running.TrySetResult();
        }
    }

    /// <summary>Completes at once unless stalled; then when un-stalled or <paramref name="cancellationToken"/> fires.</summary>
    public Task WaitRunningAsync(CancellationToken cancellationToken)
    {
        lock (gate)
            return running.Task.WaitAsync(cancellationToken);
    }

    public void FailRequests(int count, int statusCode)
    {
        lock (gate)
            (failuresLeft, failureCode) = (count, statusCode);
    }

    /// <summary>The status code to fail this request with, if failures are still owed.</summary>
    public int? TakeFailure()
    {
        lock (gate)
        {
            if (failuresLeft <= 0)
                return null;
            failuresLeft--;
            return failureCode;
        }
    }

    static TaskCompletionSource Running()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }
}
