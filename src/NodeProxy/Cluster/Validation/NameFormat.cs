namespace NodeProxy.Cluster.Validation;

/// <summary>The name formats the API server checks the fields NodeProxy reads against (apimachinery's validation).</summary>
public enum NameFormat
{
    /// <summary>Namespaces, Service and EndpointSlice port names, endpoint hostnames: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63.</summary>
    Dns1123Label,

    /// <summary>EndpointSlice, Pod and Node names, endpoint nodeNames: DNS-1123 labels joined by '.', at most 253.</summary>
    Dns1123Subdomain,

    /// <summary>Service names: a DNS-1123 label that starts with a letter.</summary>
    Dns1035Label,

    /// <summary>Container port names and named targetPorts: at most 15 of [-a-z0-9], a letter among them, no leading, trailing or double '-'.</summary>
    IanaSvcName,

    /// <summary>Label values (the service-name label, zones): empty, or [A-Za-z0-9] at both ends and [-A-Za-z0-9_.] between, at most 63.</summary>
    LabelValue,
}
