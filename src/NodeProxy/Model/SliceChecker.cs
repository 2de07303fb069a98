using System.Collections.Immutable;
using System.Net;
using k8s.Models;
using NodeProxy.Cluster;
using NodeProxy.Cluster.Validation;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>
/// An EndpointSlice checked as the API server would: a bad name, namespace, service-name label
/// or size drops the slice, a bad port that port, a bad endpoint (address, nodeName, hostname,
/// zone, hints) that endpoint.
/// </summary>
internal static class SliceChecker
{
    /// <summary>The API server's limit of endpoints per slice.</summary>
    public const int MaxEndpoints = 1000;

    /// <summary>What is left of a slice once its bad parts are dropped.</summary>
    public sealed record CheckedSlice(
        string Ref,
        IpFamily Family,
        ImmutableArray<(string Name, Protocol Protocol, int Port)> Ports,
        ImmutableArray<(V1Endpoint Endpoint, IPAddress Address)> Endpoints);

    /// <returns>null when the whole slice is skipped: a problem says why, or it is an FQDN slice, which kube-proxy ignores too.</returns>
    public static CheckedSlice? Check(V1EndpointSlice slice, ICollection<Problem> problems)
    {
        var sliceRef = ObjectNames.Ref(slice.Metadata);
        void Report(string reason, string message) => problems.Add(new Problem("EndpointSlice", sliceRef, reason, message));

        if (ObjectNames.Check("EndpointSlice", slice.Metadata, NameFormat.Dns1123Subdomain) is { } badName)
        {
            problems.Add(badName);
            return null;
        }

        var service = slice.Metadata?.Labels?.TryGetValue(WellKnownLabels.ServiceName, out var label) == true ? label : "";
        if (NameRules.Violation(NameFormat.LabelValue, service) is { } badLabel)
        {
            Report("InvalidServiceNameLabel", $"label {WellKnownLabels.ServiceName} {badLabel}; ignored");
            return null;
        }

        IpFamily family;
        switch (slice.AddressType)
        {
            case "IPv4":
                family = IpFamily.V4;
                break;
            case "IPv6":
                family = IpFamily.V6;
                break;
            case "FQDN":
                return null;
            default:
                Report("InvalidAddressType", $"addressType '{slice.AddressType}' is not IPv4, IPv6 or FQDN; ignored");
                return null;
        }

        if (slice.Endpoints?.Count > MaxEndpoints)
        {
            Report("TooManyEndpoints", $"has {slice.Endpoints.Count} endpoints, more than the {MaxEndpoints} the API server allows; ignored");
            return null;
        }

        return new CheckedSlice(sliceRef, family, Ports(slice, Report), Endpoints(slice, family, Report));
    }

    private static ImmutableArray<(string, Protocol, int)> Ports(V1EndpointSlice slice, Action<string, string> report)
    {
        var ports = ImmutableArray.CreateBuilder<(string, Protocol, int)>();
        foreach (var port in slice.Ports ?? [])
        {
            var name = port.Name ?? "";
            if (name.Length > 0 && NameRules.Violation(NameFormat.Dns1123Label, name) is { } badName)
            {
                report("InvalidPortName", $"port '{name}': the name {badName}; its endpoints are ignored");
            }
            else if (!ApiProtocol.TryParse(port.Protocol, out var protocol))
            {
                report("UnknownProtocol", $"port '{name}' has unknown protocol '{port.Protocol}'; its endpoints are ignored");
            }
            else if (port.Port is not (>= 1 and <= 65535))
            {
                report("InvalidPort", $"port '{name}' has number {port.Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "<none>"}; its endpoints are ignored");
            }
            else
            {
                ports.Add((name, protocol, port.Port.Value));
            }
        }

        return ports.ToImmutable();
    }

    private static ImmutableArray<(V1Endpoint, IPAddress)> Endpoints(V1EndpointSlice slice, IpFamily family, Action<string, string> report)
    {
        var familyName = family == IpFamily.V4 ? "IPv4" : "IPv6";
        var endpoints = ImmutableArray.CreateBuilder<(V1Endpoint, IPAddress)>();
        foreach (var endpoint in slice.Endpoints ?? [])
        {
            var text = endpoint.Addresses?.FirstOrDefault();
            if (!ApiAddress.TryParse(text, out var address) || address.Family() != family || ApiAddress.IsSpecial(address))
            {
                report("InvalidEndpointAddress", $"endpoint address '{text}' is not an {familyName} address an endpoint may have; the endpoint is ignored");
            }
            else if (EndpointViolation(endpoint) is { } bad)
            {
                report(bad.Reason, $"endpoint {address}: {bad.Message}; the endpoint is ignored");
            }
            else
            {
                endpoints.Add((endpoint, address));
            }
        }

        return endpoints.ToImmutable();
    }

    private static (string Reason, string Message)? EndpointViolation(V1Endpoint endpoint)
    {
        if (endpoint.NodeName is { } node && NameRules.Violation(NameFormat.Dns1123Subdomain, node) is { } badNode)
        {
            return ("InvalidNodeName", $"nodeName '{node}' {badNode}");
        }

        if (endpoint.Hostname is { } host && NameRules.Violation(NameFormat.Dns1123Label, host) is { } badHost)
        {
            return ("InvalidHostname", $"hostname '{host}' {badHost}");
        }

        if (endpoint.Zone is { } zone && NameRules.Violation(NameFormat.LabelValue, zone) is { } badZone)
        {
            return ("InvalidZone", $"zone '{zone}' {badZone}");
        }

        foreach (var hint in endpoint.Hints?.ForZones ?? [])
        {
            if (NameRules.Violation(NameFormat.LabelValue, hint.Name) is { } badHint)
            {
                return ("InvalidHint", $"zone hint '{hint.Name}' {badHint}");
            }
        }

        foreach (var hint in endpoint.Hints?.ForNodes ?? [])
        {
            if (NameRules.Violation(NameFormat.Dns1123Subdomain, hint.Name) is { } badHint)
            {
                return ("InvalidHint", $"node hint '{hint.Name}' {badHint}");
            }
        }

        return null;
    }
}
