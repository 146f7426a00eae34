using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>
/// HyperLogLog: PFADD, PFCOUNT, PFMERGE over Redis-format HLL strings (Values/HyperLogLog.cs).
/// PFADD is logged as the registers it raises (<see cref="PfAddEvent"/>), not as the 12 KB dense string: a few bytes
/// per new register, and nothing at all once an element changes no register, which is most PFADDs on a busy HLL.
/// Apply raises them with Redis's own sparse/dense algorithm, in the order Redis would, so the resulting bytes are
/// Redis's. PFMERGE is logged as a SET of its result (at most 12 KB; its register list could be larger).
/// </summary>
public sealed partial class Store
{
    [ThreadStatic] private static byte[]? _registerScratch;

    /// <summary>PFADD of args[firstElement..]; true when the HLL was created or a register rose.</summary>
    public bool PfAdd<TArgs>(Session session, ReadOnlySpan<byte> key, TArgs args, int firstElement)
        where TArgs : IKeyList, allows ref struct
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            ref Entry entry = ref LiveForWrite(session, shard, key, NowMs());
            byte[]? hll = Unsafe.IsNullRef(ref entry) ? null : AsHll(ref entry);
            // The registers as they are now: read in place when dense, decoded once when sparse.
            var registers = _registerScratch ??= new byte[HyperLogLog.Registers];
            bool dense = hll != null && HyperLogLog.IsDense(hll);
            if (!dense)
            {
                Array.Clear(registers);
                if (hll != null && !HyperLogLog.TryMergeInto(hll, registers)) throw new CommandError(HyperLogLog.CorruptError);
            }
            var raised = ArrayPool<byte>.Shared.Rent(3 * (args.Count - firstElement));
            try
            {
                int length = 0;
                for (int i = firstElement; i < args.Count; i++)
                {
                    var (index, count) = HyperLogLog.Hash(args[i]);
                    int current = dense ? HyperLogLog.GetDenseRegister(hll!.AsSpan(HyperLogLog.HeaderSize), index) : registers[index];
                    // Raised over the register as it was: Apply replays these in order, and one that a previous
                    // element of this call already beat changes nothing there, exactly as in Redis's loop.
                    if (count <= current) continue;
                    BinaryPrimitives.WriteUInt16BigEndian(raised.AsSpan(length), (ushort)index);
                    raised[length + 2] = (byte)count;
                    length += 3;
                }
                if (hll != null && length == 0) return false;
                var buffer = EventBuffer.Start(PfAddEvent);
                buffer.WriteArrayHeader(3);
                buffer.Write(session.Db);
                buffer.Write(key);
                buffer.Write(raised.AsSpan(0, length));
                LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.String, "pfadd"u8, session.Db, key);
                return true;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(raised);
            }
        }
    }

    /// <summary>PFCOUNT: one key's estimate (cached per array), or the estimate of the union of several keys.</summary>
    public long PfCount<TArgs>(Session session, TArgs args, int first) where TArgs : IKeyList, allows ref struct
    {
        long now = NowMs();
        if (args.Count - first == 1)
        {
            // Under the lock: a stored string may be overwritten in place (Store.StringsInPlace.cs).
            var key = args[first];
            var shard = ShardOf(key);
            lock (shard.Lock)
            {
                ref Entry found = ref Live(shard.DbIfExists(session.Db), key, now);
                if (Unsafe.IsNullRef(ref found))
                {
                    shard.Misses++;
                    NotifyMiss(session, key);
                    return 0;
                }
                var value = ExactString(found.Value);
                shard.Hits++;
                Touch(ref found, Clock(now));
                if (!HyperLogLog.IsHll(value)) throw new CommandError(HyperLogLog.NotHllError);
                return HyperLogLog.TryCount(value, out long count) ? count : throw new CommandError(HyperLogLog.CorruptError);
            }
        }
        Span<byte> max = stackalloc byte[HyperLogLog.Registers];
        max.Clear();
        // Merged under the locks (a stored string may be overwritten in place); keys are checked in order, as Redis does.
        using (LockKeys(args, first, 1, stackalloc ulong[MaskWords]))
        {
            for (int i = first; i < args.Count; i++)
            {
                var key = args[i];
                ref Entry entry = ref Live(ShardOf(key).DbIfExists(session.Db), key, now);
                if (Unsafe.IsNullRef(ref entry)) continue;
                var hll = ExactString(entry.Value);
                if (!HyperLogLog.IsHll(hll)) throw new CommandError(HyperLogLog.NotHllError);
                if (!HyperLogLog.TryMergeInto(hll, max)) throw new CommandError(HyperLogLog.CorruptError);
            }
        }
        return HyperLogLog.CountRegisters(max);
    }

    /// <summary>PFMERGE args[first] (the destination, also a source) and args[first+1..]. Always writes, as Redis.</summary>
    public void PfMerge<TArgs>(Session session, TArgs args, int first) where TArgs : IKeyList, allows ref struct
    {
        long now = NowMs();
        using var locks = LockKeys(args, first, 1, stackalloc ulong[MaskWords]);
        var destination = args[first];
        ref Entry target = ref LiveForWrite(session, ShardOf(destination), destination, now);
        bool exists = !Unsafe.IsNullRef(ref target);
        Span<byte> max = stackalloc byte[HyperLogLog.Registers];
        max.Clear();
        bool anyDense = false;
        for (int i = first; i < args.Count; i++)
        {
            var key = args[i];
            ref Entry entry = ref Live(ShardOf(key).DbIfExists(session.Db), key, now);
            if (Unsafe.IsNullRef(ref entry)) continue;
            var hll = AsHll(ref entry);
            anyDense |= HyperLogLog.IsDense(hll);
            if (!HyperLogLog.TryMergeInto(hll, max)) throw new CommandError(HyperLogLog.CorruptError);
        }
        var writer = new HyperLogLogWriter(exists ? ExactString(target.Value) : HyperLogLog.CreateEmpty());
        if (anyDense)
        {
            writer.MakeDense();
            writer.RaiseAllDense(max);
        }
        else
        {
            for (int i = 0; i < max.Length; i++)
                if (max[i] != 0) writer.Raise(i, max[i]);
        }
        LogSet(session, destination, writer.ToArray(), exists ? KeepTtl : 0)?.Raise(KeyspaceEventTypes.String, "pfadd"u8, session.Db, destination);
    }

    private static byte[] AsHll(ref Entry entry)
    {
        var value = ExactString(entry.Value);
        return HyperLogLog.IsHll(value) ? value : throw new CommandError(HyperLogLog.NotHllError);
    }

    private void ApplyPfAdd(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> raised)
    {
        var database = ShardOf(key).Db(db);
        ref Entry entry = ref database.GetOrAdd(key, out bool existed);
        var writer = new HyperLogLogWriter(existed ? ExactString(entry.Value) : HyperLogLog.CreateEmpty());
        for (int at = 0; at + 3 <= raised.Length; at += 3)
            writer.Raise(BinaryPrimitives.ReadUInt16BigEndian(raised[at..]), raised[at + 2]);
        database.SetValue(ref entry, writer.ToArray());
    }
}
