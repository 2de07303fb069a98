using k8s;
using k8s.Models;
using Xunit;

namespace NodeProxy.Tests.Deploy;

public sealed class ManifestSetTests
{
    [Fact]
    public void EveryManifestLoadsIntoTypedObjects()
    {
        var manifests = DeployFiles.LoadManifests();

        Assert.NotEmpty(manifests);
        Assert.All(manifests, manifest =>
        {
            Assert.NotEmpty(manifest.Objects);
            // The loader maps apiVersion/kind to a model type and, strict, rejects unknown fields,
            // so a misspelt field (readonly: for readOnly:) fails here rather than in the cluster.
            Assert.All(manifest.Objects, o => Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(o));
        });
    }

    [Fact]
    public void TheSetHoldsOneOfEachKindAndNothingElse()
    {
        var kinds = DeployFiles.LoadManifests().SelectMany(m => m.Objects).Select(o => o.GetType().Name).Order(StringComparer.Ordinal);

        Assert.Equal(
            [nameof(V1ClusterRole), nameof(V1ClusterRoleBinding), nameof(V1ConfigMap), nameof(V1DaemonSet), nameof(V1Namespace), nameof(V1ServiceAccount)],
            kinds);
    }

    [Fact]
    public void NamespacedObjectsLiveInTheNamespace()
    {
        var ns = DeployFiles.Single<V1Namespace>().Metadata.Name;

        Assert.Equal(ns, DeployFiles.Single<V1ServiceAccount>().Metadata.NamespaceProperty);
        Assert.Equal(ns, DeployFiles.Single<V1ConfigMap>().Metadata.NamespaceProperty);
        Assert.Equal(ns, DeployFiles.Single<V1DaemonSet>().Metadata.NamespaceProperty);
    }

    [Fact]
    public void KustomizationListsEveryManifest()
    {
        using var kustomization = NodeProxy.Sources.YamlJson.Parse(File.ReadAllText(Path.Combine(DeployFiles.DaemonSetDir, "Kustomization")))!;
        var resources = kustomization.RootElement.GetProperty("resources").EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal);

        Assert.Equal(DeployFiles.LoadManifests().Select(m => m.File), resources);
    }
}
