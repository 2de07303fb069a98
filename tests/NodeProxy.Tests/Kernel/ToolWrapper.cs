using System.Globalization;

namespace NodeProxy.Tests.Kernel;

/// <summary>
/// A folder to put first on an agent's PATH, holding a program (iptables-nft-restore, say) that
/// stands in for the real one: it notes the time of each call, hangs (a child `sleep`, as a wrapper that forked
/// would) while <see cref="Hang"/> is on, exits 1 while <see cref="Fail"/> is on, and otherwise
/// execs the real binary. Disposing kills any hung call left and removes the folder.
/// </summary>
internal sealed class ToolWrapper : IDisposable
{
    private readonly string marker = "86399." + Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);

    private ToolWrapper(string folder) => Folder = folder;

    public string Folder { get; }

    /// <summary>PATH=wrapper:the test's own PATH, for `env`.</summary>
    public string PathSetting => $"PATH={Folder}:{Environment.GetEnvironmentVariable("PATH")}";

    public static ToolWrapper Create(string program)
    {
        var real = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin").Split(':')
            .Select(d => Path.Combine(d, program)).First(File.Exists);
        var wrapper = new ToolWrapper(Directory.CreateTempSubdirectory("nodeproxy-wrap-").FullName);
        var script = Path.Combine(wrapper.Folder, program);
        File.WriteAllText(script, $"""
            #!/bin/sh
            date +%s.%N >> {wrapper.Folder}/attempts
            if [ -e {wrapper.Folder}/hang ]; then sleep {wrapper.marker}; fi
            if [ -e {wrapper.Folder}/fail ]; then echo "{program}: refused by the test's wrapper" >&2; exit 1; fi
            exec {real} "$@"

            """);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the wrapper is a shell script");
        }

        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return wrapper;
    }

    public void Hang(bool on) => Switch("hang", on);

    public void Fail(bool on) => Switch("fail", on);

    /// <summary>When each call began, in order.</summary>
    public IReadOnlyList<DateTimeOffset> Attempts()
    {
        var file = Path.Combine(Folder, "attempts");
        return File.Exists(file)
            ? [.. File.ReadAllLines(file).Where(l => l.Length > 0).Select(l => DateTimeOffset.FromUnixTimeMilliseconds((long)(double.Parse(l, CultureInfo.InvariantCulture) * 1000)))]
            : [];
    }

    /// <summary>Ids of hung calls' `sleep` still running: a kill that missed the child leaves one.</summary>
    public IReadOnlyList<int> HungProcesses() =>
        [.. Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => int.TryParse(n, out _)).Where(Hung).Select(int.Parse!)];

    public void Dispose()
    {
        Hang(false);
        foreach (var id in HungProcesses())
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(id);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Gone meanwhile.
            }
        }

        Directory.Delete(Folder, recursive: true);
    }

    private bool Hung(string? pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(marker, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void Switch(string name, bool on)
    {
        var file = Path.Combine(Folder, name);
        if (on)
        {
            File.WriteAllText(file, "");
        }
        else
        {
            File.Delete(file);
        }
    }
}
