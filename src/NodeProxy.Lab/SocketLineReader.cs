using System.Net.Sockets;
using System.Text;

namespace NodeProxy.Lab;

/// <summary>
/// Reads newline-terminated lines from a socket. Our own buffer rather than a StreamReader,
/// because a read cancelled by a timeout must leave the reader usable.
/// </summary>
internal sealed class SocketLineReader(Socket socket)
{
    private readonly List<byte> _pending = [];
    private readonly byte[] _buffer = new byte[4096];

    /// <summary>The next line without its line end, or null once the peer closed.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancel)
    {
        while (true)
        {
            var end = _pending.IndexOf((byte)'\n');
            if (end >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, end).ToArray()).TrimEnd('\r');
                _pending.RemoveRange(0, end + 1);
                return line;
            }

            var read = await socket.ReceiveAsync(_buffer, SocketFlags.None, cancel);
            if (read == 0)
            {
                return null;
            }

            _pending.AddRange(_buffer.AsSpan(0, read));
        }
    }
}
