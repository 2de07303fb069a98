namespace NodeProxy.Lab;

/// <summary>Where the agent and the dotnet host that runs it are.</summary>
internal static class AgentPaths
{
    /// <summary>nodeproxy.dll lands beside this assembly through the project reference.</summary>
    public static string Dll { get; } = Path.Combine(Path.GetDirectoryName(typeof(AgentPaths).Assembly.Location)!, "nodeproxy.dll");

    /// <summary>The SDK tells test hosts which dotnet it is; anywhere else the one on PATH.</summary>
    public static string Dotnet { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
}
