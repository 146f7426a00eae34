using System.IO.Hashing;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Values;

/// <summary>A Cuckoo filter stored at a key (CF.*): TYPE says "MBbloomCF", as RedisBloom's module type does.</summary>
public sealed class CuckooValue(CuckooFilter filter) : CollectionValue
{
    /// <summary>Bytes of slots per rebuild event; all-zero chunks are skipped (a restored filter starts empty).</summary>
    public const int ChunkBytes = 64 * 1024;

    public CuckooFilter Filter { get; } = filter;

    public override string TypeName => "MBbloomCF";
    public override string Encoding => "raw";
    public override long Count => Filter.Items;

    public override void AppendDigest(XxHash3 hash)
    {
        Span<byte> header = stackalloc byte[8 * 7];
        long[] fields = [Filter.NumBuckets, Filter.BucketSize, Filter.MaxIterations, Filter.Expansion, Filter.FilterCount, Filter.Items, Filter.Deletes];
        for (int i = 0; i < fields.Length; i++) BitConverter.TryWriteBytes(header[(i * 8)..], fields[i]);
        hash.Append(header);
        for (int i = 0; i < Filter.FilterCount; i++) hash.Append(Filter.FilterBytes(i));
    }

    // The value object (base fields and the filter reference) plus the filter's arrays. The filter is mutated in
    // place by Apply, which calls Resized after each insert (only growth changes the size).
    protected override long MeasureBytes() => MemorySize.Object(32) + Filter.Bytes;

    public override CollectionValue Clone() => new CuckooValue(Filter.Clone());

    /// <summary>One restore event with the shape and counters, then the non-empty 64 KiB chunks of slots.</summary>
    public override void WriteRebuild(int db, ReadOnlySpan<byte> key, IRebuildSink sink)
    {
        var buffer = EventBuffer.Start(CuckooKinds.Restore);
        buffer.WriteArrayHeader(9);
        buffer.Write(db);
        buffer.Write(key);
        buffer.Write(Filter.NumBuckets);
        buffer.Write(Filter.BucketSize);
        buffer.Write(Filter.MaxIterations);
        buffer.Write(Filter.Expansion);
        buffer.Write(Filter.FilterCount);
        buffer.Write(Filter.Items);
        buffer.Write(Filter.Deletes);
        sink.Emit(buffer);
        for (int f = 0; f < Filter.FilterCount; f++)
        {
            var bytes = Filter.FilterBytes(f);
            for (int offset = 0; offset < bytes.Length; offset += ChunkBytes)
            {
                var chunk = bytes.Slice(offset, Math.Min(ChunkBytes, bytes.Length - offset));
                if (!chunk.ContainsAnyExcept((byte)0)) continue;
                buffer = EventBuffer.Start(CuckooKinds.Chunk);
                buffer.WriteArrayHeader(5);
                buffer.Write(db);
                buffer.Write(key);
                buffer.Write(f);
                buffer.Write(offset);
                buffer.Write(chunk);
                sink.Emit(buffer);
            }
        }
    }
}
