namespace NodeProxy.Model;

/// <summary>"namespace/name:port", the name operators see in comments and logs.</summary>
public sealed record ServicePortName(string Namespace, string Name, string Port)
{
    public override string ToString() => Port.Length == 0 ? $"{Namespace}/{Name}" : $"{Namespace}/{Name}:{Port}";
}
