using System.Security.Cryptography;
using System.Text;
using CliWrap;
using CliWrap.Buffered;

namespace NodeProxy.Tests.Image;

/// <summary>
/// A local stand-in for the Dockerfile's upstream base, which cannot be pulled here: Debian
/// bookworm minbase from Debian's own packages, with what the Dockerfile would otherwise install.
/// Kept in podman's store under a name keyed by its recipe, so only the first run pays for
/// debootstrap (about a minute) and a changed recipe makes a new one.
/// </summary>
internal static class StandInBase
{
    private const string Suite = "bookworm";

    private const string Mirror = "http://deb.debian.org/debian";

    /// <summary>The Dockerfile's RUN line finds these present and so needs no network.</summary>
    private const string Packages = "iptables,conntrack,libssl3";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    private static string[] Recipe => ["--variant=minbase", $"--include={Packages}", Suite];

    public static string Name => "localhost/nodeproxy-test-base:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(' ', Recipe) + " " + Mirror)))[..12];

    public static async Task<string> EnsureAsync(Action<string> log)
    {
        await Gate.WaitAsync();
        try
        {
            if (await Podman.ImageExistsAsync(Name))
            {
                return Name;
            }

            log($"making the stand-in base {Name} with debootstrap");
            var work = Directory.CreateTempSubdirectory("nodeproxy-base-").FullName;
            try
            {
                var root = Path.Combine(work, "root");
                await Cli.Wrap("debootstrap").WithArguments([.. Recipe, root, Mirror]).ExecuteBufferedAsync();
                // What apt downloaded is not part of the image a base would be.
                foreach (var cache in new[] { "var/cache/apt/archives", "var/lib/apt/lists" })
                {
                    foreach (var file in Directory.EnumerateFiles(Path.Combine(root, cache)))
                    {
                        File.Delete(file);
                    }
                }

                var tar = Path.Combine(work, "root.tar");
                await Cli.Wrap("tar").WithArguments(["-C", root, "-cf", tar, "."]).ExecuteBufferedAsync();
                await Podman.RunAsync("import", tar, Name);
                return Name;
            }
            finally
            {
                await UnmountUnderAsync(work);
                Directory.Delete(work, recursive: true);
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>debootstrap mounts /proc and /sys in the new root and, when it fails, may leave them: never delete through a mount.</summary>
    private static async Task UnmountUnderAsync(string folder)
    {
        var mounts = File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
            .Where(m => m.StartsWith(folder + "/", StringComparison.Ordinal)).OrderByDescending(m => m.Length);
        foreach (var mount in mounts)
        {
            await Cli.Wrap("umount").WithArguments(["-l", mount]).ExecuteBufferedAsync();
        }
    }
}
