namespace NodeProxy.Sync;

/// <summary>Running totals of what the syncs did, for logs now and metrics later. Thread-safe.</summary>
public sealed class SyncCounters
{
    private long syncs;
    private long fullSyncs;
    private long restoreFailures;
    private long bytesWritten;
    private long conntrackDeleted;
    private long canaryRepairs;
    private long fullResyncRepairs;

    public long Syncs => Interlocked.Read(ref syncs);

    public long FullSyncs => Interlocked.Read(ref fullSyncs);

    /// <summary>Restores the kernel refused (each followed by a full resync).</summary>
    public long RestoreFailures => Interlocked.Read(ref restoreFailures);

    public long BytesWritten => Interlocked.Read(ref bytesWritten);

    public long ConntrackDeleted => Interlocked.Read(ref conntrackDeleted);

    /// <summary>Times the canary found NodeProxy's rules flushed by someone else (each repaired by a full resync).</summary>
    public long CanaryRepairs => Interlocked.Read(ref canaryRepairs);

    /// <summary>Periodic full resyncs that found and repaired drift the canary could not see.</summary>
    public long FullResyncRepairs => Interlocked.Read(ref fullResyncRepairs);

    public void RecordCanaryRepair() => Interlocked.Increment(ref canaryRepairs);

    public void RecordFullResyncRepair() => Interlocked.Increment(ref fullResyncRepairs);

    public void Record(SyncReport report, bool full)
    {
        Interlocked.Increment(ref syncs);
        if (full)
        {
            Interlocked.Increment(ref fullSyncs);
        }

        Interlocked.Add(ref restoreFailures, report.Families.Count(f => !f.Succeeded));
        Interlocked.Add(ref bytesWritten, report.Families.Where(f => f.Succeeded).Sum(f => f.Batch.Bytes));
        Interlocked.Add(ref conntrackDeleted, report.ConntrackDeleted);
    }
}
