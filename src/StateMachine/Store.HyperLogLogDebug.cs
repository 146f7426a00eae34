using System.Runtime.CompilerServices;
using System.Text;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>PFDEBUG, Redis's HyperLogLog introspection (its own test suite reads encodings and registers through it).</summary>
public sealed partial class Store
{
    public enum PfDebugOp { GetReg, Decode, Encoding, ToDense }

    /// <summary>
    /// PFDEBUG GETREG (the 16384 registers, an int[]), DECODE (the sparse opcodes as Redis prints them), ENCODING
    /// ("dense" or "sparse") or TODENSE (whether it converted). GETREG and TODENSE turn a sparse HLL dense, as Redis
    /// does, logged as the dense string with the key's TTL kept. With no <paramref name="op"/>, only the key's
    /// checks (missing, not a HLL), which Redis makes first; null.
    /// </summary>
    public object? PfDebug(Session session, ReadOnlySpan<byte> key, PfDebugOp? op)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            ref Entry entry = ref LiveForWrite(session, shard, key, NowMs());
            if (Unsafe.IsNullRef(ref entry)) throw new CommandError("ERR The specified key does not exist");
            var hll = AsHll(ref entry);
            bool sparse = !HyperLogLog.IsDense(hll);
            if (op is null) return null;
            switch (op)
            {
                case PfDebugOp.Encoding:
                    return sparse ? "sparse" : "dense";
                case PfDebugOp.Decode:
                    if (!sparse) throw new CommandError("ERR HLL encoding is not sparse");
                    return DescribeSparse(hll);
            }
            if (sparse)
            {
                if (!HyperLogLog.TryMergeInto(hll, new byte[HyperLogLog.Registers])) throw new CommandError(HyperLogLog.CorruptError);
                var writer = new HyperLogLogWriter(hll);
                writer.MakeDense();
                hll = writer.ToArray();
                LogSet(session, key, hll, KeepTtl);
            }
            if (op == PfDebugOp.ToDense) return sparse;
            var registers = new int[HyperLogLog.Registers];
            var body = hll.AsSpan(HyperLogLog.HeaderSize);
            for (int i = 0; i < registers.Length; i++) registers[i] = HyperLogLog.GetDenseRegister(body, i);
            return registers;
        }
    }

    /// <summary>Redis's PFDEBUG DECODE: "z:N" for a ZERO run, "Z:N" for an XZERO, "v:value,N" for a VAL.</summary>
    private static string DescribeSparse(byte[] hll)
    {
        var text = new StringBuilder();
        var body = hll.AsSpan(HyperLogLog.HeaderSize);
        for (int p = 0; p < body.Length;)
        {
            var op = Sparse.Read(body, p);
            if (text.Length > 0) text.Append(' ');
            if (op.IsValue) text.Append("v:").Append(op.Value).Append(',').Append(op.Length);
            else text.Append(op.IsXZero ? "Z:" : "z:").Append(op.Length);
            p += op.Size;
        }
        return text.ToString();
    }
}
