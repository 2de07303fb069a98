using Microsoft.Extensions.Logging;

namespace NodeProxy.Commands;

/// <summary>
/// One line per event on stderr: "simple" for a terminal or `kubectl logs` (timestamped), "json"
/// for a log pipeline, "systemd" for journald (priority prefixes, no timestamps of its own).
/// </summary>
internal static class Logs
{
    public static readonly string[] Formats = ["simple", "json", "systemd"];

    public static ILoggerFactory Create(bool verbose, string format = "simple") => LoggerFactory.Create(builder => Configure(builder, verbose, format));

    public static void Configure(ILoggingBuilder builder, bool verbose, string format)
    {
        builder.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning);

        // Each Add*Console selects its own formatter: exactly one of them is called.
        _ = format switch
        {
            "json" => builder.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
            }),
            "systemd" => builder.AddSystemdConsole(),
            _ => builder.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            }),
        };
        builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
