namespace NodeProxy.Lab;

/// <summary>Where the agent and the dotnet host that runs it are.</summary>
internal static class AgentPaths
{
    /// <summary>
    /// nodeproxy.dll lands beside this assembly through the project reference; a host whose
    /// folder cannot run it (the tests', which carry ASP.NET Core) puts a copy in agent/.
    /// </summary>
    public static string Dll { get; } = Path.Combine(Folder, "agent", "nodeproxy.dll") is var copy && File.Exists(copy) ? copy : Path.Combine(Folder, "nodeproxy.dll");

    private static string Folder => Path.GetDirectoryName(typeof(AgentPaths).Assembly.Location)!;

    /// <summary>The SDK tells test hosts which dotnet it is; anywhere else the one on PATH.</summary>
    public static string Dotnet { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
}
