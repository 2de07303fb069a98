using System.Buffers.Binary;
using System.IO.Compression;

namespace NodeProxy.Tests.Bench;

/// <summary>
/// Decodes an 8-bit RGB or RGBA PNG far enough to count pixels of a colour, so a test can tell a
/// plot with its lines from a frame with only axes and a legend.
/// </summary>
internal sealed record PngPixels(int Width, int Height, int Channels, byte[] Rows)
{
    public static PngPixels Decode(byte[] png)
    {
        var width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
        var height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        var channels = (png[24], png[25]) switch
        {
            (8, 2) => 3,
            (8, 6) => 4,
            var other => throw new NotSupportedException($"bit depth and colour type {other}"),
        };
        using var data = new MemoryStream();
        for (var at = 8; at < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            if (png.AsSpan(at + 4, 4).SequenceEqual("IDAT"u8))
            {
                data.Write(png, at + 8, length);
            }

            at += 12 + length;
        }

        data.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(data, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        return new PngPixels(width, height, channels, Unfilter(inflated.ToArray(), width * channels, height, channels));
    }

    /// <summary>Pixels within <paramref name="tolerance"/> of the colour on every channel.</summary>
    public int Count((byte R, byte G, byte B) colour, int tolerance = 12)
    {
        var count = 0;
        for (var i = 0; i < Rows.Length; i += Channels)
        {
            if (Math.Abs(Rows[i] - colour.R) <= tolerance && Math.Abs(Rows[i + 1] - colour.G) <= tolerance && Math.Abs(Rows[i + 2] - colour.B) <= tolerance)
            {
                count++;
            }
        }

        return count;
    }

    private static byte[] Unfilter(byte[] filtered, int stride, int height, int bpp)
    {
        var rows = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            var filter = filtered[y * (stride + 1)];
            var source = y * (stride + 1) + 1;
            var row = y * stride;
            for (var x = 0; x < stride; x++)
            {
                int left = x >= bpp ? rows[row + x - bpp] : 0;
                int up = y > 0 ? rows[row - stride + x] : 0;
                int upLeft = x >= bpp && y > 0 ? rows[row - stride + x - bpp] : 0;
                var predictor = filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new NotSupportedException($"PNG filter {filter}"),
                };
                rows[row + x] = (byte)(filtered[source + x] + predictor);
            }
        }

        return rows;
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var (pa, pb, pc) = (Math.Abs(p - a), Math.Abs(p - b), Math.Abs(p - c));
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
