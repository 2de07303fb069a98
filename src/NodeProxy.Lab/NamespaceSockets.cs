using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace NodeProxy.Lab;

/// <summary>
/// Makes sockets inside a lab namespace without a child process. A socket belongs to the
/// namespace of the thread that created it, for good, so a short-lived thread of our own enters
/// the namespace, makes it and ends: no pool thread ever changes namespace, and the socket is
/// then used with the normal async APIs from any thread.
/// </summary>
public static class NamespaceSockets
{
    public static Socket Create(string netns, Func<Socket> make) => Run(netns, make);

    /// <summary>Many sockets from one visit to the namespace: one thread, not one per socket.</summary>
    public static IReadOnlyList<Socket> CreateMany(string netns, int count, Func<int, Socket> make) =>
        Run<IReadOnlyList<Socket>>(netns, () => [.. Enumerable.Range(0, count).Select(make)]);

    private static T Run<T>(string netns, Func<T> make)
        where T : class
    {
        T? made = null;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter(netns);
                made = make();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = $"netns {netns}",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return made!;
    }

    private static void Enter(string netns)
    {
        using var handle = File.OpenHandle($"/run/netns/{netns}", FileMode.Open, FileAccess.Read);
        if (LibC.setns((int)handle.DangerousGetHandle(), LibC.CloneNewNet) != 0)
        {
            throw new InvalidOperationException($"setns into {netns} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
