namespace HyperCache.StateMachine.Values;

/// <summary>
/// What .NET objects really cost on the 64-bit runtime (the layout CoreCLR uses; a unit test checks these against
/// <c>GC.GetAllocatedBytesForCurrentThread</c>): every object has an 8-byte header and an 8-byte method-table
/// pointer, arrays add an 8-byte length, everything is rounded up to 8 bytes, and no object is smaller than 24.
/// </summary>
public static class MemorySize
{
    public const int ObjectOverhead = 16;
    public const int ArrayOverhead = 24;
    public const int Reference = 8;

    /// <summary>A <c>byte[]</c> of <paramref name="length"/> bytes (24 for an empty one).</summary>
    public static long ByteArray(int length) => Round(ArrayOverhead + (long)length);

    /// <summary>An array of <paramref name="length"/> elements of <paramref name="elementSize"/> bytes each.</summary>
    public static long Array(long length, int elementSize) => Round(ArrayOverhead + length * elementSize);

    /// <summary>A class instance whose fields take <paramref name="fieldBytes"/> bytes (padding included).</summary>
    public static long Object(int fieldBytes) => Math.Max(24, Round(ObjectOverhead + (long)fieldBytes));

    /// <summary>A stored value: a string's array, or a collection's own running total.</summary>
    public static long OfValue(object? value) => value switch
    {
        byte[] bytes => ByteArray(bytes.Length),
        StringBuffer buffer => buffer.SizeBytes,
        CollectionValue collection => collection.SizeBytes,
        _ => 0,
    };

    private static long Round(long bytes) => (bytes + 7) & ~7L;
}

/// <summary>A running total of bytes, one per database of a shard; collections add their size changes to the one
/// of the database that holds them. Updated only under the shard's lock (<see cref="Add"/>); read without it (a
/// 64-bit read).</summary>
public sealed class MemoryAccount(ShardMemory? shard = null)
{
    public long Bytes;

    public void Add(long delta)
    {
        Bytes += delta;
        shard?.Add(delta);
    }
}
