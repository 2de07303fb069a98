using k8s;
using k8s.Models;

namespace NodeProxy.Tests.FakeApi;

/// <summary>What one list or watch request asked for.</summary>
public sealed record Selection(ResourceType Type, LabelSelector Labels, FieldSelector Fields)
{
    public bool Matches(IKubernetesObject<V1ObjectMeta>? obj) =>
        obj is not null && Labels.Matches(obj.Metadata?.Labels) && Fields.Matches(Type, obj);
}
