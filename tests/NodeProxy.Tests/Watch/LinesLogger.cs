using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace NodeProxy.Tests.Watch;

/// <summary>Keeps every log line, rendered, for tests that assert what an operator reads; optionally throws on warnings.</summary>
internal sealed class LinesLogger : ILogger
{
    private readonly ConcurrentQueue<string> lines = new();

    /// <summary>When set, a warning or worse throws this: a fault no part expects.</summary>
    public Func<Exception>? ThrowOnWarning { get; set; }

    public IReadOnlyList<string> Lines => [.. lines];

    public IReadOnlyList<string> Warnings => [.. lines.Where(l => l.StartsWith("Warning", StringComparison.Ordinal))];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
        if (logLevel >= LogLevel.Warning && ThrowOnWarning is { } fault)
        {
            throw fault();
        }
    }
}
