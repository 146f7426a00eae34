using HyperCache.StateMachine.Keyspace;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>The key → slot map is Redis Cluster's: the sliced CRC16 must equal the textbook one on every input.</summary>
public class SlotsTests
{
    [Fact]
    public void Crc16_matches_the_xmodem_check_value_and_redis_cluster_slots()
    {
        Assert.Equal(0x31C3, Slots.Crc16(Of("123456789"))); // CRC-16/XMODEM check value (Redis's crc16.c test)
        Assert.Equal(12182, Slots.Of(Of("foo")));            // redis-cli CLUSTER KEYSLOT foo
        Assert.Equal(Slots.Of(Of("user1000")), Slots.Of(Of("{user1000}.following")));
    }

    [Fact]
    public void Sliced_crc16_equals_the_bit_at_a_time_crc16_for_every_length()
    {
        var random = new Random(5);
        for (int length = 0; length <= 80; length++)
            for (int trial = 0; trial < 20; trial++)
            {
                var data = new byte[length];
                random.NextBytes(data);
                Assert.Equal(BitwiseCrc16(data), Slots.Crc16(data));
            }
    }

    private static ushort BitwiseCrc16(byte[] data)
    {
        ushort crc = 0;
        foreach (byte b in data)
        {
            crc ^= (ushort)(b << 8);
            for (int bit = 0; bit < 8; bit++) crc = (ushort)((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
        }
        return crc;
    }
}
