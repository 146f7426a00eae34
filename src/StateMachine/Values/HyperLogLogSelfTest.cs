namespace HyperCache.StateMachine.Values;

/// <summary>
/// PFSELFTEST, as Redis runs it: dense registers read back what was written, over random values; then one sparse
/// and one dense HLL take the same ten million elements, and at 1, 10, 100 ... 10 M they must agree, the sparse
/// one must still be sparse while small, and the estimate must be within six standard errors (1 off at 10).
/// </summary>
public static class HyperLogLogSelfTest
{
    private const int RegisterCycles = 100, Elements = 10_000_000;

    /// <summary>Null when every check passed, else Redis's TESTFAILED message.</summary>
    public static string? Run()
    {
        var random = new Random();
        var values = new byte[HyperLogLog.Registers];
        var registers = new byte[HyperLogLog.DenseSize - HyperLogLog.HeaderSize];
        for (int cycle = 0; cycle < RegisterCycles; cycle++)
        {
            for (int i = 0; i < values.Length; i++) values[i] = (byte)random.Next(64);
            HyperLogLog.PackDense(values, registers);
            for (int i = 0; i < values.Length; i++)
            {
                int read = HyperLogLog.GetDenseRegister(registers, i);
                if (read != values[i]) return $"TESTFAILED Register {i} should be {values[i]} but is {read}";
            }
        }

        var dense = new HyperLogLogWriter(HyperLogLog.CreateEmpty());
        dense.MakeDense();
        var sparse = new HyperLogLogWriter(HyperLogLog.CreateEmpty());
        double relativeError = 1.04 / Math.Sqrt(HyperLogLog.Registers);
        ulong seed = (ulong)random.NextInt64();
        Span<byte> element = stackalloc byte[8];
        long checkpoint = 1;
        for (long j = 1; j <= Elements; j++)
        {
            BitConverter.TryWriteBytes(element, (ulong)j ^ seed);
            var (index, count) = HyperLogLog.Hash(element);
            dense.Raise(index, count);
            sparse.Raise(index, count);
            if (j != checkpoint) continue;
            if (j < HyperLogLog.SparseMaxBytes / 2 && sparse.IsDense) return "TESTFAILED sparse encoding not used";
            // Copies: a writer may hand out its own buffer, and counts are cached per array.
            HyperLogLog.TryCount([.. dense.ToArray()], out long denseCount);
            HyperLogLog.TryCount([.. sparse.ToArray()], out long sparseCount);
            if (denseCount != sparseCount) return "TESTFAILED dense/sparse disagree";
            long error = Math.Abs(checkpoint - denseCount), allowed = j == 10 ? 1 : (long)Math.Ceiling(relativeError * 6 * checkpoint);
            if (error > allowed) return $"TESTFAILED Too big error. card:{checkpoint} abserr:{error}";
            checkpoint *= 10;
        }
        return null;
    }
}
