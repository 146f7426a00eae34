using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Tests;

/// <summary>The dense registers read and written three bytes (four registers) at a time, as the register-at-a-time
/// functions read them.</summary>
public sealed class HyperLogLogPackingTests
{
    [Fact]
    public void Four_registers_at_a_time_read_and_write_what_one_at_a_time_does()
    {
        var random = new Random(16384);
        var registers = new byte[HyperLogLog.Registers * 6 / 8];
        for (int round = 0; round < 20; round++)
        {
            random.NextBytes(registers);
            var max = new byte[HyperLogLog.Registers];
            for (int i = 0; i < max.Length; i++) max[i] = (byte)random.Next(0, 64);
            var expected = (byte[])max.Clone();
            for (int i = 0; i < expected.Length; i++) expected[i] = Math.Max(expected[i], (byte)HyperLogLog.GetDenseRegister(registers, i));
            HyperLogLog.MaxDenseInto(registers, max);
            Assert.Equal(expected, max);

            var packed = new byte[registers.Length];
            HyperLogLog.PackDense(max, packed);
            for (int i = 0; i < max.Length; i++) Assert.Equal(max[i], HyperLogLog.GetDenseRegister(packed, i));
        }
    }
}
