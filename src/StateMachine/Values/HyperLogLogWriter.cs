namespace HyperCache.StateMachine.Values;

/// <summary>
/// Builds a changed copy of a HyperLogLog: raises registers with the very algorithm of Redis's hllSparseSet and
/// hllDenseSet (split the opcode that covers the register, merge equal neighbours, turn dense when the sparse form
/// would pass <see cref="HyperLogLog.SparseMaxBytes"/> or a value passes 32), so the same additions in the same order
/// give the same bytes as redis-server. The input array is never modified (strings are shared with readers).
/// The input must be a valid HLL (<see cref="HyperLogLog.IsHll"/> and its registers add up).
/// </summary>
public sealed class HyperLogLogWriter
{
    private const int Header = HyperLogLog.HeaderSize;
    private byte[] _buffer;
    private int _length;

    public HyperLogLogWriter(ReadOnlySpan<byte> hll)
    {
        _length = hll.Length;
        _buffer = new byte[HyperLogLog.IsDense(hll) ? hll.Length : hll.Length + 32];
        hll.CopyTo(_buffer);
    }

    public bool IsDense => _buffer[4] == HyperLogLog.DenseEncoding;

    /// <summary>Sets the register to <paramref name="count"/> if that raises it; returns whether it did.</summary>
    public bool Raise(int index, int count)
        => IsDense ? DenseRaise(index, count) : SparseRaise(index, count);

    /// <summary>Redis turns the destination of PFMERGE dense as soon as one source is dense.</summary>
    public void MakeDense()
    {
        if (IsDense) return;
        var dense = new byte[HyperLogLog.DenseSize];
        _buffer.AsSpan(0, Header).CopyTo(dense); // magic and cached count, as Redis copies them
        dense[4] = HyperLogLog.DenseEncoding;
        var registers = dense.AsSpan(Header);
        int index = 0;
        for (int p = Header; p < _length;)
        {
            var op = Sparse.Read(_buffer.AsSpan(0, _length), p);
            if (op.IsValue)
                for (int i = 0; i < op.Length; i++) SetDense(registers, index + i, op.Value);
            index += op.Length;
            p += op.Size;
        }
        _buffer = dense;
        _length = dense.Length;
    }

    /// <summary>
    /// Raises every register to <paramref name="values"/> (one byte each) at once, for PFMERGE into a dense HLL: the
    /// merged maximum already includes this HLL's registers, so raising each in turn would write exactly these.
    /// </summary>
    public void RaiseAllDense(ReadOnlySpan<byte> values)
    {
        if (!IsDense) throw new InvalidOperationException("not dense");
        var registers = _buffer.AsSpan(Header);
        Span<byte> merged = stackalloc byte[HyperLogLog.Registers];
        values[..HyperLogLog.Registers].CopyTo(merged);
        HyperLogLog.MaxDenseInto(registers, merged); // a register already higher stays, as Raise leaves it
        HyperLogLog.PackDense(merged, registers);
    }

    /// <summary>The finished HLL, with its cached count marked invalid (as every Redis write leaves it).</summary>
    public byte[] ToArray()
    {
        _buffer[15] |= 0x80;
        return _length == _buffer.Length ? _buffer : _buffer.AsSpan(0, _length).ToArray();
    }

    private bool DenseRaise(int index, int count)
    {
        var registers = _buffer.AsSpan(Header);
        if (count <= HyperLogLog.GetDenseRegister(registers, index)) return false;
        SetDense(registers, index, count);
        return true;
    }

    private static void SetDense(Span<byte> registers, int index, int value)
    {
        int bit = index * 6, at = bit >> 3, shift = bit & 7;
        registers[at] = (byte)((registers[at] & ~(63 << shift)) | (value << shift));
        if (shift > 2) // the register spills into the next byte
            registers[at + 1] = (byte)((registers[at + 1] & ~(63 >> (8 - shift))) | (value >> (8 - shift)));
    }

    private bool Promote(int index, int count)
    {
        MakeDense();
        return DenseRaise(index, count);
    }

    // hllSparseSet, with indexes into _buffer in place of pointers.
    private bool SparseRaise(int index, int count)
    {
        if (count > Sparse.ValueMax) return Promote(index, count);
        if (_buffer.Length < _length + 3) Array.Resize(ref _buffer, _length * 2 + 3);
        var b = _buffer;

        // Step 1: find the opcode that covers the register.
        int p = Header, end = _length, first = 0, prev = -1;
        Sparse.Op op = default;
        while (p < end)
        {
            op = Sparse.Read(b.AsSpan(0, end), p);
            if (index <= first + op.Length - 1) break;
            prev = p;
            p += op.Size;
            first += op.Length;
        }
        if (p >= end) throw new InvalidDataException("sparse HyperLogLog does not cover its registers");
        int next = p + op.Size < end ? p + op.Size : -1;

        // Step 2: the trivial updates in place.
        if (op.IsValue)
        {
            if (op.Value >= count) return false;
            if (op.Length == 1)
            {
                b[p] = Sparse.ValueOp(count, 1);
                MergeValues(prev, end);
                return true;
            }
        }
        else if (!op.IsXZero && op.Length == 1)
        {
            b[p] = Sparse.ValueOp(count, 1);
            MergeValues(prev, end);
            return true;
        }

        // Step 3: split the opcode into at most three (five bytes): before, the register, after.
        Span<byte> sequence = stackalloc byte[5];
        int n = 0, last = first + op.Length - 1;
        if (!op.IsValue)
        {
            if (index != first) n += Sparse.WriteZeros(sequence[n..], index - first);
            sequence[n++] = Sparse.ValueOp(count, 1);
            if (index != last) n += Sparse.WriteZeros(sequence[n..], last - index);
        }
        else
        {
            if (index != first) sequence[n++] = Sparse.ValueOp(op.Value, index - first);
            sequence[n++] = Sparse.ValueOp(count, 1);
            if (index != last) sequence[n++] = Sparse.ValueOp(op.Value, last - index);
        }
        int delta = n - op.Size;
        if (delta > 0 && _length + delta > HyperLogLog.SparseMaxBytes) return Promote(index, count);
        if (delta != 0 && next >= 0) Array.Copy(b, next, b, next + delta, end - next);
        _length += delta;
        sequence[..n].CopyTo(b.AsSpan(p));
        MergeValues(prev, end + delta);
        return true;
    }

    // Step 4 of hllSparseSet: merge adjacent VAL opcodes of equal value, scanning five opcodes from the previous one.
    private void MergeValues(int prev, int end)
    {
        var b = _buffer;
        int p = prev >= 0 ? prev : Header, scan = 5;
        while (p < end && scan-- > 0)
        {
            var op = Sparse.Read(b.AsSpan(0, end), p);
            if (!op.IsValue)
            {
                p += op.Size;
                continue;
            }
            if (p + 1 < end && (b[p + 1] & 0x80) != 0)
            {
                var right = Sparse.Read(b.AsSpan(0, end), p + 1);
                int length = op.Length + right.Length;
                if (op.Value == right.Value && length <= Sparse.ValueMaxLength)
                {
                    b[p + 1] = Sparse.ValueOp(op.Value, length);
                    Array.Copy(b, p + 1, b, p, end - p - 1);
                    _length--;
                    end--;
                    continue; // try to merge the merged opcode with its right neighbour too
                }
            }
            p++;
        }
    }
}
