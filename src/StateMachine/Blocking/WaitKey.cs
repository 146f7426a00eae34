namespace HyperCache.StateMachine.Blocking;

/// <summary>A key in one database, compared by content (blocked clients wait on keys, not on entries).</summary>
internal readonly struct WaitKey(int db, byte[] key) : IEquatable<WaitKey>
{
    public int Db { get; } = db;
    public byte[] Key { get; } = key;

    public bool Equals(WaitKey other) => Db == other.Db && Key.AsSpan().SequenceEqual(other.Key);
    public override bool Equals(object? obj) => obj is WaitKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Db);
        hash.AddBytes(Key);
        return hash.ToHashCode();
    }
}
