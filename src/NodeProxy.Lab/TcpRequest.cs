using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NodeProxy.Lab;

/// <summary>One HTTP/1.0 GET to a pod server, as curl would send it, reduced to a Reply.</summary>
internal static class TcpRequest
{
    public static async Task<Reply> SendAsync(string netns, IPEndPoint target, TimeSpan timeout)
    {
        using var socket = NamespaceSockets.Create(netns, () => new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(target, deadline.Token);
            await socket.SendAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray(), SocketFlags.None, deadline.Token);
            var response = new List<byte>();
            var buffer = new byte[4096];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0)
            {
                response.AddRange(buffer.AsSpan(0, read));
            }

            var text = Encoding.UTF8.GetString(response.ToArray());
            var bodyAt = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            return text.StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal) && bodyAt >= 0
                ? Reply.FromBody(text[(bodyAt + 4)..])
                : new Reply(ReplyOutcome.Reset, Detail: $"not a pod server answer: '{text}'");
        }
        catch (SocketException e)
        {
            return Reply.From(e);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return Reply.TimedOut(timeout);
        }
    }
}
