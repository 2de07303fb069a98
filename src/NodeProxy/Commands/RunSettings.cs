using System.Diagnostics.CodeAnalysis;
using System.Net;
using Microsoft.Extensions.Options;
using NodeProxy.Apply;
using NodeProxy.Health;
using NodeProxy.Model;

namespace NodeProxy.Commands;

/// <summary>
/// `nodeproxy run`'s settings once flags, NODEPROXY_* variables and --config are combined and
/// each flag parsed (see <see cref="Settings"/>); <see cref="RunSettingsValidator"/> checks them
/// as a whole when the host starts.
/// </summary>
internal sealed record RunSettings(
    NodeConfig Node,
    string? Source,
    string? Kubeconfig,
    IptablesBackend Backend,
    TimeSpan SyncPeriod,
    TimeSpan MinSyncPeriod,
    TimeSpan FullSyncPeriod,
    TimeSpan ApiStaleAfter,
    TimeSpan CommandTimeout,
    string MetricsAddress,
    string HealthAddress,
    long OpenFiles);

/// <summary>What no single flag's parser can see: settings that contradict each other.</summary>
internal sealed class RunSettingsValidator : IValidateOptions<RunSettings>
{
    public ValidateOptionsResult Validate(string? name, RunSettings settings)
    {
        var failures = new List<string>();
        if (settings.MinSyncPeriod > settings.SyncPeriod)
        {
            failures.Add($"--min-sync-period ({Seconds(settings.MinSyncPeriod)}) is longer than --sync-period ({Seconds(settings.SyncPeriod)})");
        }

        if (Overlap(BindAddress.Parse(settings.MetricsAddress), BindAddress.Parse(settings.HealthAddress)))
        {
            failures.Add($"--metrics-bind-address {settings.MetricsAddress} and --healthz-bind-address {settings.HealthAddress} take the same port: give each its own");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool Overlap(IPEndPoint a, IPEndPoint b) =>
        a.Port == b.Port && (a.Address.Equals(b.Address) || IsAny(a.Address) || IsAny(b.Address));

    private static string Seconds(TimeSpan d) => d.TotalSeconds.ToString("0.###s", System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsAny(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
}

/// <summary>The options system builds its own instance; this one hands it the parsed record, then runs the validators.</summary>
/// <typeparam name="T">Annotated as OptionsFactory requires (for the trimmer); this factory never calls the constructor.</typeparam>
internal sealed class ParsedOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(T parsed, IEnumerable<IConfigureOptions<T>> setups, IEnumerable<IPostConfigureOptions<T>> postConfigures, IEnumerable<IValidateOptions<T>> validations)
    : OptionsFactory<T>(setups, postConfigures, validations)
    where T : class
{
    protected override T CreateInstance(string name) => parsed;
}
