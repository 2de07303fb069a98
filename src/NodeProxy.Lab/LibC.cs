using System.Runtime.InteropServices;

namespace NodeProxy.Lab;

/// <summary>The few libc calls .NET has no API for.</summary>
internal static class LibC
{
    public const int CloneNewNet = 0x40000000;
    public const int SigInt = 2;
    public const int SigTerm = 15;
    public const int SigKill = 9;

    [DllImport("libc", SetLastError = true)]
    public static extern int setns(int fd, int nstype);

    [DllImport("libc")]
    public static extern uint geteuid();

    [DllImport("libc", SetLastError = true)]
    public static extern int kill(int pid, int sig);
}
