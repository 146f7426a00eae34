using System.IO.Hashing;

namespace HyperCache.StateMachine.Keyspace;

/// <summary>Binary-safe key equality, with span lookups so a request's key is never copied just to look it up.</summary>
public sealed class KeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly KeyComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
    public int GetHashCode(byte[] key) => GetHashCode((ReadOnlySpan<byte>)key);
    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);
    public int GetHashCode(ReadOnlySpan<byte> alternate) => (int)XxHash3.HashToUInt64(alternate);
    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
