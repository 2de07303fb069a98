namespace NodeProxy.Sources.Kubernetes;

/// <summary>What an informer has cost the API server: for logs, metrics and the tests that count.</summary>
public interface IInformerStats
{
    string Name { get; }

    bool HasSynced { get; }

    long Lists { get; }

    long Watches { get; }

    long Relists { get; }
}
