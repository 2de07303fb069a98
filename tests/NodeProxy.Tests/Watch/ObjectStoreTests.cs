using k8s.Models;
using NodeProxy.Sources.Kubernetes;
using Xunit;

namespace NodeProxy.Tests.Watch;

public sealed class ObjectStoreTests
{
    [Fact]
    public void StoredObjectsLoseManagedFieldsAndTheLastAppliedCopyOnly()
    {
        var store = new ObjectStore<V1Service>();
        var listed = ApiObjects.Service("listed", 1);
        var watched = ApiObjects.Service("watched", 2, new Dictionary<string, string> { ["app"] = "web" });
        foreach (var service in new[] { listed, watched })
        {
            service.Metadata.ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubectl", Operation = "Apply" }];
            service.Metadata.Annotations = new Dictionary<string, string>
            {
                [ObjectStore<V1Service>.LastAppliedAnnotation] = "{\"apiVersion\":\"v1\",\"kind\":\"Service\"}",
                ["service.kubernetes.io/topology-mode"] = "Auto",
            };
        }

        store.Replace([listed]);
        store.Upsert(watched);

        Assert.All(store.Items, s =>
        {
            Assert.Null(s.Metadata.ManagedFields);
            Assert.Equal(["service.kubernetes.io/topology-mode"], s.Metadata.Annotations.Keys);
            Assert.NotNull(s.Spec.ClusterIP);
        });
        Assert.Equal("web", store.Items.Single(s => s.Metadata.Name == "watched").Metadata.Labels["app"]);
    }
}
