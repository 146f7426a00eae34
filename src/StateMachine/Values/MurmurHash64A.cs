using System.Buffers.Binary;

namespace HyperCache.StateMachine.Values;

/// <summary>Austin Appleby's MurmurHash64A as Redis uses it for HyperLogLog (little-endian reads).</summary>
public static class MurmurHash64A
{
    public static ulong Hash(ReadOnlySpan<byte> data, uint seed)
    {
        const ulong m = 0xc6a4a7935bd1e995;
        const int r = 47;
        unchecked
        {
            ulong h = seed ^ ((ulong)data.Length * m);
            int blocks = data.Length & ~7;
            for (int i = 0; i < blocks; i += 8)
            {
                ulong k = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
                k *= m;
                k ^= k >> r;
                k *= m;
                h ^= k;
                h *= m;
            }
            var tail = data[blocks..];
            if (tail.Length > 0)
            {
                for (int i = tail.Length - 1; i >= 0; i--) h ^= (ulong)tail[i] << (8 * i);
                h *= m;
            }
            h ^= h >> r;
            h *= m;
            h ^= h >> r;
            return h;
        }
    }
}
