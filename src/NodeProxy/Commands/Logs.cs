using Microsoft.Extensions.Logging;

namespace NodeProxy.Commands;

/// <summary>One line per event on stderr, timestamped: what `kubectl logs` and journald show.</summary>
internal static class Logs
{
    public static ILoggerFactory Create(bool verbose) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information)
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        })
        .AddFilter("Microsoft", LogLevel.Warning));
}
