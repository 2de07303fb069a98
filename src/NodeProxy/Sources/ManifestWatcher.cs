namespace NodeProxy.Sources;

/// <summary>
/// Calls back when a manifest file under the path changes, once the writes have been quiet for
/// a moment: an editor or `cp` writes a file in several steps, and a half-written file must not
/// be synced as if Services had vanished.
/// </summary>
public sealed class ManifestWatcher : IDisposable
{
    private readonly FileSystemWatcher watcher;
    private readonly Timer quiet;
    private readonly TimeSpan quietPeriod;

    public ManifestWatcher(string path, Action changed, TimeSpan? quietPeriod = null)
    {
        this.quietPeriod = quietPeriod ?? TimeSpan.FromMilliseconds(100);
        quiet = new Timer(_ => changed());
        var full = Path.GetFullPath(path);
        watcher = Directory.Exists(full)
            ? new FileSystemWatcher(full) { IncludeSubdirectories = true }
            : new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full));
        watcher.NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size;
        watcher.Changed += (_, _) => Restart();
        watcher.Created += (_, _) => Restart();
        watcher.Deleted += (_, _) => Restart();
        watcher.Renamed += (_, _) => Restart();
        watcher.EnableRaisingEvents = true;
    }

    public void Dispose()
    {
        watcher.Dispose();
        quiet.Dispose();
    }

    private void Restart() => quiet.Change(quietPeriod, Timeout.InfiniteTimeSpan);
}
