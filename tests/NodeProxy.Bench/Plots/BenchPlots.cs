using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace NodeProxy.Bench.Plots;

/// <summary>
/// Draws the benchmark's pictures (docs/benchmarks/*.png) from one run's figures. Service counts
/// and times span decades, so those axes are logarithmic: ScottPlot has no log axis, so the
/// points are plotted as log10 and the ticks are labelled with the real values.
/// </summary>
internal static class BenchPlots
{
    private const int Width = 900;
    private const int Height = 560;

    /// <summary>Writes every picture the figures have data for into <paramref name="directory"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Write(BenchFigures figures, string directory)
    {
        Directory.CreateDirectory(directory);
        var pictures = new List<(string Name, Plot? Plot)>
        {
            ("cold-load.png", ColdLoad(figures.Syncs)),
            ("change-cost.png", ChangeCost(figures.Syncs)),
            ("first-packet.png", FirstPacket(figures.FirstPacket)),
            ("memory.png", Memory(figures.Memory)),
        };
        var written = new List<string>();
        foreach (var (name, plot) in pictures.Where(p => p.Plot is not null))
        {
            var path = Path.Combine(directory, name);
            plot!.SavePng(path, Width, Height);
            written.Add(path);
        }

        return written;
    }

    private static Plot? ColdLoad(IReadOnlyList<SyncFigure> syncs)
    {
        if (syncs.Count == 0)
        {
            return null;
        }

        var plot = Frame("Cold load: every rule into empty tables (one iptables-restore)", "Services (10 endpoints each)", "Time (s)");
        foreach (var series in syncs.GroupBy(s => (s.Layout, s.Backend)))
        {
            var points = series.OrderBy(s => s.Services).ToList();
            Line(plot, series.Key, points.Select(p => (p.Services, p.ColdSeconds)));
            foreach (var stopped in points.Where(p => p.ColdUnfinished))
            {
                // A lower bound: the run was stopped, so say so on the point rather than plot it as a finish.
                var label = plot.Add.Text($"stopped unfinished at {stopped.ColdSeconds:F0} s (a lower bound)", Math.Log10(stopped.Services), Math.Log10(stopped.ColdSeconds));
                label.LabelFontSize = 13;
                label.LabelAlignment = Alignment.MiddleRight;
                label.OffsetX = -12;
            }
        }

        LogAxes(plot, syncs.Select(s => (double)s.Services), syncs.Select(s => s.ColdSeconds), Seconds);
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    private static Plot? ChangeCost(IReadOnlyList<SyncFigure> syncs)
    {
        var changes = syncs.Where(s => s.ChangeMs is not null).ToList();
        if (changes.Count == 0)
        {
            return null;
        }

        var plot = Frame("One endpoint changed: time to apply (median)", "Services (10 endpoints each)", "Time (ms)");
        foreach (var series in changes.GroupBy(s => (s.Layout, s.Backend)))
        {
            Line(plot, series.Key, series.OrderBy(s => s.Services).Select(s => (s.Services, s.ChangeMs!.Value)));
        }

        LogAxes(plot, changes.Select(s => (double)s.Services), changes.Select(s => s.ChangeMs!.Value), Milliseconds);
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    private static Plot? FirstPacket(IReadOnlyList<FirstPacketFigure> packets)
    {
        if (packets.Count == 0)
        {
            return null;
        }

        var plot = Frame("First packet: connect() to the service dispatched last (median)", "Services (10 endpoints each)", "connect() time (µs)");
        foreach (var series in packets.GroupBy(p => (p.Layout, p.Backend)))
        {
            Line(plot, series.Key, series.OrderBy(p => p.Services).Select(p => (p.Services, p.MedianMicroseconds)));
        }

        LogAxes(plot, packets.Select(p => (double)p.Services), packets.Select(p => p.MedianMicroseconds), Microseconds);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static Plot? Memory(IReadOnlyList<MemoryFigure> memory)
    {
        if (memory.Count == 0)
        {
            return null;
        }

        var plot = Frame("The agent's memory holding N services (iptables-nft)", "Services (10 endpoints each)", "Memory (MiB)");
        var points = memory.OrderBy(m => m.Services).ToList();
        var xs = points.Select(m => Math.Log10(m.Services)).ToArray();
        var rss = plot.Add.Scatter(xs, points.Select(m => m.RssMiB).ToArray());
        Style(rss, "RSS 5 s after the first sync", Colors.C0, LinePattern.Solid, MarkerShape.FilledCircle);
        var peak = plot.Add.Scatter(xs, points.Select(m => m.PeakRssMiB).ToArray());
        Style(peak, "Peak RSS (VmHWM)", Colors.C1, LinePattern.Dashed, MarkerShape.FilledSquare);

        LogAxis(plot.Axes.Bottom, Count);
        var top = points.Max(m => Math.Max(m.RssMiB, m.PeakRssMiB));
        plot.Axes.SetLimitsY(0, top * 1.15);
        var (low, high) = Decades(xs);
        plot.Axes.SetLimitsX(low, high);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static Plot Frame(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        plot.Title(title, size: 17);
        plot.XLabel(x, size: 15);
        plot.YLabel(y, size: 15);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        plot.Legend.FontSize = 13;
        return plot;
    }

    /// <summary>One layout on one backend: NodeProxy and kube-proxy's layout in their own colours, nft solid, legacy dashed.</summary>
    private static void Line(Plot plot, (string Layout, string Backend) key, IEnumerable<(int Services, double Value)> points)
    {
        var list = points.ToList();
        var scatter = plot.Add.Scatter(
            list.Select(p => Math.Log10(p.Services)).ToArray(),
            list.Select(p => Math.Log10(p.Value)).ToArray());
        var nft = key.Backend == "nft";
        Style(
            scatter,
            $"{key.Layout}, iptables-{key.Backend}",
            key.Layout == Layouts.NodeProxy ? Colors.C0 : Colors.C1,
            nft ? LinePattern.Solid : LinePattern.Dashed,
            nft ? MarkerShape.FilledCircle : MarkerShape.FilledSquare);
    }

    private static void Style(ScottPlot.Plottables.Scatter scatter, string legend, Color color, LinePattern pattern, MarkerShape marker)
    {
        scatter.LegendText = legend;
        scatter.Color = color;
        scatter.LineWidth = 2;
        scatter.LinePattern = pattern;
        scatter.MarkerShape = marker;
        scatter.MarkerSize = 9;
    }

    private static void LogAxes(Plot plot, IEnumerable<double> xs, IEnumerable<double> ys, Func<double, string> yFormat)
    {
        LogAxis(plot.Axes.Bottom, Count);
        LogAxis(plot.Axes.Left, yFormat);
        var (left, right) = Decades([.. xs.Select(Math.Log10)]);
        var (bottom, top) = Decades([.. ys.Select(Math.Log10)]);
        plot.Axes.SetLimits(left, right, bottom, top);
    }

    /// <summary>Ticks at each power of ten with log-spaced minor ticks between, labelled with the real value.</summary>
    private static void LogAxis(IAxis axis, Func<double, string> format) =>
        axis.TickGenerator = new NumericAutomatic
        {
            MinorTickGenerator = new LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = exponent => format(Math.Pow(10, exponent)),
        };

    /// <summary>The data's range with a margin, down to the power of ten below it, so the lowest point has a labelled tick under it.</summary>
    private static (double Low, double High) Decades(IReadOnlyCollection<double> logs) =>
        (Math.Min(logs.Min() - 0.15, Math.Floor(logs.Min()) - 0.05), logs.Max() + 0.15);

    private static string Count(double n) => n >= 1000 ? $"{(n / 1000).ToString("0.#", CultureInfo.InvariantCulture)}k" : n.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Seconds(double s) => s.ToString(s < 1 ? "0.##" : "N0", CultureInfo.InvariantCulture) + " s";

    private static string Milliseconds(double ms) => ms.ToString(ms < 1 ? "0.##" : "N0", CultureInfo.InvariantCulture) + " ms";

    private static string Microseconds(double us) => us.ToString(us < 1 ? "0.##" : "N0", CultureInfo.InvariantCulture) + " µs";
}
