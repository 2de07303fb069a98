using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace NodeProxy.Sources.Kubernetes;

/// <summary>
/// Keeps one resource's <see cref="Store"/> in step with the API server, as client-go's
/// reflector does: one list (served from the watch cache, resourceVersion 0), then one watch
/// from the list's version with bookmarks, re-established from the last version seen whenever
/// it ends. Only a 410 Gone (the server forgot that version) costs a relist, which also
/// deletes what vanished meanwhile. Errors back off with jitter; a silent watch is replaced.
/// Never a periodic relist: at 5,000 nodes those are what hurts the API server.
/// </summary>
public sealed class Informer<T>(ResourceApi<T> api, InformerOptions options, Action changed, ILogger log) : IInformerStats
    where T : IKubernetesObject<V1ObjectMeta>
{
    private volatile bool synced;
    private long lists;
    private long watches;
    private long relists;

    public ObjectStore<T> Store { get; } = new();

    /// <summary>When set, called for each added, modified or deleted object instead of the plain change callback.</summary>
    public Action<T>? ItemChanged { get; set; }

    public string Name => api.Name;

    /// <summary>The first list is in: the store may be used.</summary>
    public bool HasSynced => synced;

    public long Lists => Interlocked.Read(ref lists);

    public long Watches => Interlocked.Read(ref watches);

    /// <summary>Lists after the first: each one a 410 Gone.</summary>
    public long Relists => Interlocked.Read(ref relists);

    public async Task RunAsync(CancellationToken cancel)
    {
        string? version = null;
        var failures = 0;
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                if (version is null)
                {
                    version = await ListAsync(cancel);
                    failures = 0;
                }

                var (last, gone) = await WatchAsync(version, () => failures = 0, cancel);
                version = gone ? null : last;
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (IsGone(e))
            {
                log.LogInformation("{Resource}: resource version {Version} is gone, relisting", api.Name, version);
                version = null;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or KubernetesException or TimeoutException or System.Text.Json.JsonException)
            {
                failures++;
                var delay = Backoff(failures);
                log.LogWarning("{Resource}: {Error}; retrying in {Delay} ms (the rules stay as they are)", api.Name, Describe(e), (int)delay.TotalMilliseconds);
                await Task.Delay(delay, cancel);
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancel)
    {
        // The first list may come from the watch cache; after a 410 the cache is what was
        // behind, so read the latest state instead of going back in time.
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        patience.CancelAfter(options.ListTimeout);
        ResourceList<T> list;
        try
        {
            list = await api.List(Interlocked.Read(ref lists) == 0 ? "0" : "", patience.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new TimeoutException($"the list did not answer within {(int)options.ListTimeout.TotalSeconds} s");
        }

        if (Interlocked.Increment(ref lists) > 1)
        {
            Interlocked.Increment(ref relists);
        }

        var vanished = Store.Replace(list.Items);
        synced = true;
        log.LogDebug("{Resource}: listed {Count} at version {Version}, {Vanished} vanished", api.Name, list.Items.Count, list.ResourceVersion, vanished);
        changed();
        return list.ResourceVersion;
    }

    /// <returns>The last version seen, and whether the server said it is gone (410).</returns>
    private async Task<(string Version, bool Gone)> WatchAsync(string version, Action healthy, CancellationToken cancel)
    {
        Interlocked.Increment(ref watches);
        Exception? reported = null;
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        silence.CancelAfter(options.SilenceTimeout);
        try
        {
            // The client reports an ERROR event (410 Gone among them) only through this callback.
            await foreach (var (type, item) in api.Watch(version, e => reported ??= e, silence.Token))
            {
                silence.CancelAfter(options.SilenceTimeout);
                healthy();
                version = item.Metadata?.ResourceVersion is { Length: > 0 } seen ? seen : version;
                switch (type)
                {
                    case WatchEventType.Added or WatchEventType.Modified:
                        Store.Upsert(item);
                        Notify(item);
                        break;
                    case WatchEventType.Deleted:
                        Store.Remove(item);
                        Notify(item);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            log.LogWarning("{Resource}: the watch was silent for {Seconds} s; re-establishing it", api.Name, (int)options.SilenceTimeout.TotalSeconds);
            return (version, false);
        }

        if (reported is not null)
        {
            if (IsGone(reported))
            {
                log.LogInformation("{Resource}: resource version {Version} is gone (410), relisting", api.Name, version);
                return (version, true);
            }

            throw reported;
        }

        return (version, false);
    }

    private void Notify(T item)
    {
        if (ItemChanged is { } itemChanged)
        {
            itemChanged(item);
        }
        else
        {
            changed();
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var ceiling = Math.Min(options.MaxBackoff.TotalMilliseconds, options.MinBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 20)));
        // Jitter: after an API server restart, 5,000 nodes must not come back in step.
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    private static bool IsGone(Exception e) => e switch
    {
        KubernetesException k => k.Status?.Code == 410,
        HttpOperationException h => h.Response?.StatusCode == HttpStatusCode.Gone,
        _ => false,
    };

    private static string Describe(Exception e) => e switch
    {
        HttpOperationException h => $"HTTP {(int?)h.Response?.StatusCode} {h.Response?.ReasonPhrase}",
        KubernetesException k => $"{k.Status?.Code} {k.Status?.Reason}: {k.Status?.Message}",
        _ => e.Message,
    };
}
