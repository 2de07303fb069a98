using System.Text.RegularExpressions;
using k8s.Models;
using Xunit;

namespace NodeProxy.Tests.Deploy;

public sealed partial class RbacManifestTests
{
    /// <summary>
    /// What the agent reads, by the API path it lists and watches in its source of truth,
    /// src/NodeProxy/Sources/Kubernetes/ClusterApis.cs, the ClientSet API of the same resource,
    /// and the RBAC resource both need.
    /// </summary>
    private static readonly (string Path, string Api, string Group, string Resource)[] Watched =
    [
        ("/api/v1/services", "CoreV1.Service", "", "services"),
        ("/apis/discovery.k8s.io/v1/endpointslices", "DiscoveryV1.EndpointSlice", "discovery.k8s.io", "endpointslices"),
        ("/api/v1/nodes", "CoreV1.Node", "", "nodes"),
        ("/api/v1/pods", "CoreV1.Pod", "", "pods"),
    ];

    /// <summary>The informers list and watch; nothing gets a single object.</summary>
    private static readonly string[] ReadVerbs = ["list", "watch"];

    [Fact]
    public void ClusterApisCallsOnlyTheWatchedApis()
    {
        var paths = ApiPath().Matches(File.ReadAllText(DeployFiles.ClusterApis));

        // A new watch in ClusterApis without a row above (and a rule in clusterrole.yaml) fails here.
        Assert.Equal(Watched.Select(w => w.Path).Order(StringComparer.Ordinal), paths.Select(c => c.Value.Trim('"')).Distinct().Order(StringComparer.Ordinal));
        Assert.Empty(ApiCall().Matches(File.ReadAllText(DeployFiles.ClusterApis)));
        // Reads only (list and watch are GETs): a write would need a verb the role does not grant.
        var transport = File.ReadAllText(Path.Combine(Path.GetDirectoryName(DeployFiles.ClusterApis)!, "ApiTransport.cs"));
        Assert.Equal(["HttpMethod.Get"], HttpMethodUse().Matches(transport).Select(m => m.Value).Distinct());
    }

    [Fact]
    public void NoOtherAgentCodeCallsAnApiTheRoleLacks()
    {
        // Every call anywhere in the agent, not only in ClusterApis: an Event emitted, or a
        // single object read with Read*, would need a grant the role does not have.
        var allowed = Watched.SelectMany(w => new[] { $"{w.Api}.ListAsync", $"{w.Api}.WatchListAsync" }).ToHashSet();

        var strays = Directory.GetFiles(DeployFiles.AgentSources, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => ApiCall().Matches(File.ReadAllText(f)).Select(c => (File: Path.GetFileName(f), Call: $"{c.Groups["api"].Value}.{c.Groups["method"].Value}")))
            .Where(c => !allowed.Contains(c.Call)).Select(c => $"{c.File}: {c.Call}");

        Assert.Empty(strays);
    }

    [Fact]
    public void ClusterRoleGrantsExactlyWhatTheAgentNeeds()
    {
        var role = DeployFiles.Single<V1ClusterRole>();
        var expected = Watched.SelectMany(w => ReadVerbs.Select(v => (w.Group, w.Resource, v)))
            .Select(Grant).Order(StringComparer.Ordinal);

        Assert.Null(role.AggregationRule);
        Assert.All(role.Rules, rule =>
        {
            Assert.Null(rule.NonResourceURLs);
            Assert.Null(rule.ResourceNames);
        });
        // Exact: a missing verb, an extra verb, resource or group, or a "*" anywhere all differ.
        Assert.Equal(expected, Grants(role).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void BindingGivesTheRoleToTheServiceAccount()
    {
        var binding = DeployFiles.Single<V1ClusterRoleBinding>();
        var account = DeployFiles.Single<V1ServiceAccount>();

        Assert.Equal(("rbac.authorization.k8s.io", "ClusterRole", DeployFiles.Single<V1ClusterRole>().Metadata.Name), (binding.RoleRef.ApiGroup, binding.RoleRef.Kind, binding.RoleRef.Name));
        var subject = Assert.Single(binding.Subjects);
        Assert.Equal(("ServiceAccount", account.Metadata.Name, DeployFiles.Single<V1Namespace>().Metadata.Name), (subject.Kind, subject.Name, subject.NamespaceProperty));
    }

    private static IEnumerable<string> Grants(V1ClusterRole role) =>
        from rule in role.Rules
        from g in rule.ApiGroups ?? []
        from r in rule.Resources ?? []
        from v in rule.Verbs
        select Grant((g, r, v));

    private static string Grant((string Group, string Resource, string Verb) g) => $"{g.Verb} {g.Resource}.{g.Group}";

    /// <summary>A ClientSet call such as client.DiscoveryV1.EndpointSlice.ListAsync(.</summary>
    [GeneratedRegex(@"\b(?<api>[A-Z][A-Za-z]*V\d+(?:(?:alpha|beta)\d+)?\.[A-Z]\w*)\.(?<method>\w+)\(")]
    private static partial Regex ApiCall();

    /// <summary>A resource path such as "/apis/discovery.k8s.io/v1/endpointslices".</summary>
    [GeneratedRegex(@"""/apis?/[a-z0-9./]+""")]
    private static partial Regex ApiPath();

    [GeneratedRegex(@"HttpMethod\.\w+")]
    private static partial Regex HttpMethodUse();
}
