namespace HyperCache.StateMachine.Values;

public enum BitFieldOpKind : byte { Get, Set, IncrBy }

public enum BitFieldOverflow : byte { Wrap, Sat, Fail }

/// <summary>One BITFIELD subcommand: an integer of <see cref="Bits"/> bits (1..64 signed, 1..63 unsigned) at a bit
/// offset. <see cref="Value"/> is the SET value or the INCRBY increment.</summary>
public readonly record struct BitFieldOp(BitFieldOpKind Kind, bool Signed, int Bits, long Offset, long Value, BitFieldOverflow Overflow)
{
    public bool Writes => Kind != BitFieldOpKind.Get;
}

/// <summary>BITFIELD's integer fields and overflow rules, ported from Redis's bitops.c so results match bit for bit.</summary>
public static class BitField
{
    /// <summary>Reads an unsigned field; bits past the end of the string are 0.</summary>
    public static ulong GetUnsigned(ReadOnlySpan<byte> value, long offset, int bits)
    {
        ulong result = 0;
        for (int i = 0; i < bits; i++) result = (result << 1) | (uint)Bitmap.GetBit(value, offset + i);
        return result;
    }

    public static long GetSigned(ReadOnlySpan<byte> value, long offset, int bits)
    {
        long result = (long)GetUnsigned(value, offset, bits);
        if (bits < 64 && (result & (1L << (bits - 1))) != 0) result |= -1L << bits; // sign-extend
        return result;
    }

    /// <summary>Writes the low <paramref name="bits"/> bits of <paramref name="field"/>; the string is long enough.</summary>
    public static void Set(Span<byte> value, long offset, int bits, ulong field)
    {
        for (int i = 0; i < bits; i++) Bitmap.SetBit(value, offset + i, (int)((field >> (bits - 1 - i)) & 1));
    }

    /// <summary>
    /// Runs one SET or INCRBY against the current field value. Returns false when the result overflows under FAIL
    /// (nothing is written, the reply is nil); otherwise <paramref name="written"/> is the field to store and
    /// <paramref name="reply"/> what the client sees (the old value for SET, the new one for INCRBY).
    /// </summary>
    public static bool TryWrite(in BitFieldOp op, ReadOnlySpan<byte> value, out ulong written, out long reply)
    {
        if (op.Signed)
        {
            long old = GetSigned(value, op.Offset, op.Bits);
            long result;
            bool overflow;
            if (op.Kind == BitFieldOpKind.IncrBy)
            {
                overflow = SignedOverflow(old, op.Value, op.Bits, op.Overflow, out long limited);
                result = overflow ? limited : unchecked(old + op.Value);
                reply = result;
            }
            else
            {
                overflow = SignedOverflow(op.Value, 0, op.Bits, op.Overflow, out long limited);
                result = overflow ? limited : op.Value;
                reply = old;
            }
            written = (ulong)result;
            return !(overflow && op.Overflow == BitFieldOverflow.Fail);
        }
        else
        {
            ulong old = GetUnsigned(value, op.Offset, op.Bits);
            ulong result;
            bool overflow;
            if (op.Kind == BitFieldOpKind.IncrBy)
            {
                overflow = UnsignedOverflow(old, op.Value, op.Bits, op.Overflow, out ulong limited);
                result = overflow ? limited : unchecked(old + (ulong)op.Value);
                reply = (long)result;
            }
            else
            {
                overflow = UnsignedOverflow((ulong)op.Value, 0, op.Bits, op.Overflow, out ulong limited);
                result = overflow ? limited : (ulong)op.Value;
                reply = (long)old;
            }
            written = result;
            return !(overflow && op.Overflow == BitFieldOverflow.Fail);
        }
    }

    // checkUnsignedBitfieldOverflow in bitops.c
    private static bool UnsignedOverflow(ulong value, long increment, int bits, BitFieldOverflow mode, out ulong limit)
    {
        unchecked
        {
            ulong max = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
            long maxIncrement = (long)(max - value);
            long minIncrement = -(long)value;
            limit = 0;
            if (value > max || (increment > 0 && increment > maxIncrement))
            {
                if (mode == BitFieldOverflow.Sat) limit = max;
                else if (mode == BitFieldOverflow.Wrap) limit = Wrap();
                return true;
            }
            if (increment < 0 && increment < minIncrement)
            {
                if (mode == BitFieldOverflow.Sat) limit = 0;
                else if (mode == BitFieldOverflow.Wrap) limit = Wrap();
                return true;
            }
            return false;

            ulong Wrap() => (value + (ulong)increment) & ~(ulong.MaxValue << bits);
        }
    }

    // checkSignedBitfieldOverflow in bitops.c
    private static bool SignedOverflow(long value, long increment, int bits, BitFieldOverflow mode, out long limit)
    {
        unchecked
        {
            long max = bits == 64 ? long.MaxValue : (1L << (bits - 1)) - 1;
            long min = -max - 1;
            long maxIncrement = (long)((ulong)max - (ulong)value);
            long minIncrement = min - value;
            limit = 0;
            if (value > max || (bits != 64 && increment > maxIncrement) || (value >= 0 && increment > 0 && increment > maxIncrement))
            {
                if (mode == BitFieldOverflow.Sat) limit = max;
                else if (mode == BitFieldOverflow.Wrap) limit = Wrap();
                return true;
            }
            if (value < min || (bits != 64 && increment < minIncrement) || (value < 0 && increment < 0 && increment < minIncrement))
            {
                if (mode == BitFieldOverflow.Sat) limit = min;
                else if (mode == BitFieldOverflow.Wrap) limit = Wrap();
                return true;
            }
            return false;

            long Wrap()
            {
                ulong c = (ulong)value + (ulong)increment;
                if (bits < 64)
                {
                    ulong mask = ulong.MaxValue << bits;
                    c = (c & (1UL << (bits - 1))) != 0 ? c | mask : c & ~mask;
                }
                return (long)c;
            }
        }
    }
}
