using System.Buffers;
using Google.Protobuf;
using Grpc.Core;
using HyperCache.Replication.Grpc;

namespace HyperCache.Replication.Replica;

/// <summary>
/// The replica's deserializer of <see cref="ShipMessage"/>. Protobuf copies a <c>bytes</c> field into a new array,
/// and a batch's packed entries are about a megabyte: one large-object allocation per batch, which kept the
/// replica's GC busy (background gen 2 collections, fresh pages faulted in). Here a batch is read by hand and its
/// entries are copied into one buffer reused from message to message; any other message goes to protobuf's parser.
/// The entries are valid until the next message is read: the subscription reads one message, handles it, and
/// only then asks for the next.
/// </summary>
internal sealed class ShipMessageReader
{
    private const uint BatchTag = (ShipMessage.BatchFieldNumber << 3) | 2;

    private byte[] _entries = new byte[64 * 1024];

    /// <summary>The <c>Subscribe</c> call as the generated client declares it, with this reader for its replies.</summary>
    public Method<SubscribeRequest, ShipMessage> SubscribeMethod() => new(
        MethodType.ServerStreaming, "hypercache.replication.LogShipping", "Subscribe",
        Marshallers.Create(static (SubscribeRequest r) => r.ToByteArray(), SubscribeRequest.Parser.ParseFrom),
        Marshallers.Create(static (ShipMessage m, SerializationContext c) => c.Complete(m.ToByteArray()), Read));

    public ShipMessage Read(DeserializationContext context)
    {
        var payload = context.PayloadAsReadOnlySequence();
        if (payload.IsSingleSegment && TryReadBatch(payload.FirstSpan, out var batch)) return new ShipMessage { Batch = batch };
        return ShipMessage.Parser.ParseFrom(payload);
    }

    /// <summary>A message whose only field is a batch; false (nothing consumed that matters) for anything else.</summary>
    internal bool TryReadBatch(ReadOnlySpan<byte> message, out EntryBatch batch)
    {
        batch = null!;
        int p = 0;
        if (!TryVarint(message, ref p, out ulong tag) || tag != BatchTag) return false;
        if (!TryVarint(message, ref p, out ulong length) || length != (ulong)(message.Length - p)) return false;
        var body = message[p..];
        p = 0;
        var result = new EntryBatch();
        while (p < body.Length)
        {
            if (!TryVarint(body, ref p, out tag)) return false;
            int field = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    if (!TryVarint(body, ref p, out ulong value)) return false;
                    switch (field)
                    {
                        case EntryBatch.NextAddressFieldNumber: result.NextAddress = (long)value; break;
                        case EntryBatch.PrimaryCommittedFieldNumber: result.PrimaryCommitted = (long)value; break;
                        case EntryBatch.SentUnixMsFieldNumber: result.SentUnixMs = (long)value; break;
                        case EntryBatch.EntryCountFieldNumber: result.EntryCount = (int)value; break;
                        case EntryBatch.FirstAddressFieldNumber: result.FirstAddress = (long)value; break;
                    }
                    break;
                case 2:
                    if (!TryVarint(body, ref p, out ulong size) || size > (ulong)(body.Length - p)) return false;
                    if (field == EntryBatch.PackedEntriesFieldNumber)
                    {
                        if (_entries.Length < (int)size) _entries = new byte[Math.Max((int)size, _entries.Length * 2)];
                        body.Slice(p, (int)size).CopyTo(_entries);
                        result.PackedEntries = UnsafeByteOperations.UnsafeWrap(_entries.AsMemory(0, (int)size));
                    }
                    p += (int)size;
                    break;
                case 1:
                    if (body.Length - p < 8) return false;
                    p += 8;
                    break;
                case 5:
                    if (body.Length - p < 4) return false;
                    p += 4;
                    break;
                default:
                    return false;
            }
        }
        batch = result;
        return true;
    }

    private static bool TryVarint(ReadOnlySpan<byte> data, ref int p, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64 && p < data.Length; shift += 7)
        {
            byte b = data[p++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return true;
        }
        return false;
    }
}
