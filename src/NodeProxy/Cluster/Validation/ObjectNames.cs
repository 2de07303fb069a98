using k8s.Models;

namespace NodeProxy.Cluster.Validation;

/// <summary>The namespace and name checks every namespaced object gets; the same object gives the same problem wherever it is read.</summary>
public static class ObjectNames
{
    public const string InvalidName = "InvalidName";

    /// <summary>"namespace/name" as the log names an object (escaped when written).</summary>
    public static string Ref(V1ObjectMeta? metadata) => $"{metadata?.NamespaceProperty ?? "default"}/{metadata?.Name ?? "<unnamed>"}";

    /// <returns>Why the object must be skipped; null when its namespace and name are what the API server allows.</returns>
    public static Problem? Check(string kind, V1ObjectMeta? metadata, NameFormat nameFormat)
    {
        var ns = metadata?.NamespaceProperty ?? "default";
        if (NameRules.Violation(NameFormat.Dns1123Label, ns) is { } badNamespace)
        {
            return new Problem(kind, Ref(metadata), InvalidName, $"namespace {badNamespace}; ignored");
        }

        return NameRules.Violation(nameFormat, metadata?.Name) is { } badName
            ? new Problem(kind, Ref(metadata), InvalidName, $"name {badName}; ignored")
            : null;
    }
}
