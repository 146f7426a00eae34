using Google.Protobuf;
using HyperCache.Replication.Grpc;
using HyperCache.Replication.Replica;

namespace HyperCache.Replication.Tests;

/// <summary>
/// The replica reads batches by hand (their entries into a reused buffer, not a new array per batch): whatever
/// protobuf writes, it must read back what protobuf's own parser reads, and leave other messages to that parser.
/// </summary>
public sealed class ShipMessageReaderTests
{
    private static ShipMessage Batch(int entryBytes, long next) => new()
    {
        Batch = new EntryBatch
        {
            PackedEntries = ByteString.CopyFrom(Enumerable.Range(0, entryBytes).Select(i => (byte)(i * 7)).ToArray()),
            EntryCount = entryBytes / 10,
            FirstAddress = next - entryBytes,
            NextAddress = next,
            PrimaryCommitted = long.MaxValue,
            SentUnixMs = 1_764_000_000_000,
        },
    };

    public static TheoryData<string> Messages() => ["batch", "big batch", "heartbeat", "negative", "full sync", "snapshot chunk", "snapshot end"];

    private static ShipMessage Message(string name) => name switch
    {
        "batch" => Batch(1000, 1 << 20),
        "big batch" => Batch(3 << 20, 5L << 32),
        "heartbeat" => new ShipMessage { Batch = new EntryBatch { FirstAddress = 64, NextAddress = 64, PrimaryCommitted = 64, SentUnixMs = 5 } },
        "negative" => new ShipMessage { Batch = new EntryBatch { NextAddress = -1, EntryCount = -2 } },
        "full sync" => new ShipMessage { FullSync = new FullSync { ReplicationId = "abc", StartAddress = 64, Snapshot = true } },
        "snapshot chunk" => new ShipMessage { SnapshotChunk = new SnapshotChunk { Data = ByteString.CopyFrom(1, 2, 3) } },
        _ => new ShipMessage { SnapshotEnd = new SnapshotEnd { Length = 3, Xxhash64 = ulong.MaxValue, ContinueAddress = 99 } },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Reads_what_protobuf_reads(string name)
    {
        var message = Message(name);
        var reader = new ShipMessageReader();
        var bytes = message.ToByteArray();
        bool byHand = reader.TryReadBatch(bytes, out var batch);
        Assert.Equal(message.BodyCase == ShipMessage.BodyOneofCase.Batch, byHand);
        if (byHand) Assert.Equal(message.Batch, batch);
        Assert.Equal(ShipMessage.Parser.ParseFrom(bytes), message);
    }

    [Fact]
    public void Reuses_one_buffer_for_the_entries_of_successive_batches()
    {
        var reader = new ShipMessageReader();
        Assert.True(reader.TryReadBatch(Batch(5000, 100).ToByteArray(), out var first));
        var firstCopy = first.PackedEntries.ToByteArray();
        Assert.True(reader.TryReadBatch(Batch(4000, 200).ToByteArray(), out var second));
        Assert.Equal(firstCopy.Take(4000), second.PackedEntries.ToByteArray());
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(first.PackedEntries.Memory, out var a));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(second.PackedEntries.Memory, out var b));
        Assert.Same(a.Array, b.Array);
    }

    [Fact]
    public void A_truncated_batch_is_left_to_protobuf()
    {
        var bytes = Batch(1000, 1 << 20).ToByteArray();
        Assert.False(new ShipMessageReader().TryReadBatch(bytes.AsSpan(0, bytes.Length - 3), out _));
    }
}
