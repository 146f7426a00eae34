using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>XINFO STREAM FULL: the stream's fields, its first entries, and each group with its first pending entries
/// and its consumers with theirs. Copied under the shard lock (pending entries change in place); the reply is
/// written after.</summary>
public sealed record StreamFullInfo(StreamSummary Summary, List<StreamEntry> Entries, List<StreamGroupFullInfo> Groups);

public sealed record StreamGroupFullInfo(StreamGroupInfo Info, List<StreamPendingCopy> Pending, List<StreamConsumerFullInfo> Consumers);

/// <summary>A consumer in XINFO STREAM FULL, with Redis 7.2's active time (-1 until it has read or claimed), as XINFO
/// CONSUMERS answers 7.2's fields.</summary>
public sealed record StreamConsumerFullInfo(byte[] Name, long SeenTime, long ActiveTime, int PelCount, List<StreamPendingCopy> Pending);

/// <summary>A pending entry as it was when read: ID, owner, last delivery time, delivery count.</summary>
public readonly record struct StreamPendingCopy(StreamId Id, byte[] Consumer, long DeliveryTime, long DeliveryCount);

public sealed partial class Store
{
    /// <summary>XINFO STREAM key FULL [COUNT n]: at most <paramref name="count"/> entries, and pending entries per group
    /// and per consumer (0: all); null for a missing key.</summary>
    public StreamFullInfo? StreamInfoFull(Session session, ReadOnlySpan<byte> key, long count)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            if (ReadStream(session, shard, key) is not { } stream) return null;
            var entries = new List<StreamEntry>();
            stream.Range(StreamId.Zero, StreamId.Max, count, reverse: false, entries);
            var groups = new List<StreamGroupFullInfo>(stream.GroupCount);
            foreach (var g in stream.Groups)
            {
                var consumers = new List<StreamConsumerFullInfo>(g.Consumers.Count);
                foreach (var c in g.Consumers.Values)
                    consumers.Add(new StreamConsumerFullInfo(c.Name, c.SeenTime, c.ActiveTime, c.Pending.Count, CopyPending(c.Pending, count)));
                groups.Add(new StreamGroupFullInfo(GroupInfo(stream, g), CopyPending(g.Pending, count), consumers));
            }
            return new StreamFullInfo(Summary(stream), entries, groups);
        }
    }

    private static List<StreamPendingCopy> CopyPending(SortedSet<StreamPendingEntry> pending, long count)
    {
        var copy = new List<StreamPendingCopy>(count == 0 ? pending.Count : (int)Math.Min(pending.Count, count));
        foreach (var entry in pending)
        {
            if (count != 0 && copy.Count == count) break;
            copy.Add(new StreamPendingCopy(entry.Id, entry.Consumer.Name, entry.DeliveryTime, entry.DeliveryCount));
        }
        return copy;
    }
}
