using System.Runtime.InteropServices;

namespace NodeProxy.Http;

/// <summary>
/// The process's open-files limit (RLIMIT_NOFILE). Sockets, pipes to iptables and the API
/// connection all draw on it, so the listeners size their connection caps from it.
/// </summary>
internal static class OpenFiles
{
    private const int RlimitNoFile = 7;

    public static (long Soft, long Hard) Get()
    {
        var limit = default(RLimit);
        return getrlimit(RlimitNoFile, ref limit) == 0 ? ((long)limit.Current, (long)limit.Max) : (1024, 1024);
    }

    /// <summary>Raising the hard limit needs CAP_SYS_RESOURCE (root); false when refused.</summary>
    public static bool Set(long soft, long hard)
    {
        var limit = new RLimit { Current = (ulong)soft, Max = (ulong)hard };
        return setrlimit(RlimitNoFile, ref limit) == 0;
    }

    /// <summary>
    /// Many distributions start services with a soft limit of 1024 under a much higher hard one;
    /// the soft limit is only a default that any process may raise to the hard one.
    /// </summary>
    public static long RaiseSoftToHard()
    {
        var (soft, hard) = Get();
        return soft < hard && Set(hard, hard) ? hard : soft;
    }

    /// <summary>How many descriptors the process holds now.</summary>
    public static int InUse()
    {
        try
        {
            return Directory.GetFiles("/proc/self/fd").Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, ref RLimit limit);

    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, ref RLimit limit);
}
