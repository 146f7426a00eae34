using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>Bitmaps and HyperLogLogs rebuilt from the log equal the live ones; bit writes never touch an array a
/// reader already holds.</summary>
public class BitmapReplayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 1)]
    [InlineData(3, 64)]
    public void Bitmap_and_hll_workload_replays_to_the_same_digest(int seed, int replayShards)
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var session = new Session();
        var random = new Random(seed);
        string Key() => "b" + random.Next(12);
        string Hll() => "h" + random.Next(6);
        long Later() => clock.Now.ToUnixTimeMilliseconds() + random.Next(-500, 3000);
        var replies = new long?[4];

        for (int i = 0; i < 4000; i++)
        {
            session.Db = random.Next(2);
            try
            {
                switch (random.Next(10))
                {
                    case 0: store.SetBit(session, Of(Key()), random.Next(2000), random.Next(2)); break;
                    case 1:
                    {
                        var ops = new BitFieldOp[random.Next(1, 5)];
                        for (int j = 0; j < ops.Length; j++)
                        {
                            bool signed = random.Next(2) == 0;
                            int bits = random.Next(1, signed ? 65 : 64);
                            ops[j] = new BitFieldOp((BitFieldOpKind)random.Next(3), signed, bits, random.Next(300),
                                random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(64), (BitFieldOverflow)random.Next(3));
                        }
                        store.BitField(session, Of(Key()), ops, replies);
                        break;
                    }
                    case 2: store.BitOp(session, (BitOperation)random.Next(4), Keys.Of("BITOP", "x", Key(), Key()), 2, 3); break;
                    case 3: store.BitOp(session, BitOperation.Or, Keys.Of("BITOP", "x", Key(), Key(), Key(), "missing"), 2, 3); break;
                    case 4:
                    {
                        var elements = new string[1 + random.Next(random.Next(2) == 0 ? 5 : 400)];
                        elements[0] = "PFADD";
                        for (int j = 1; j < elements.Length; j++) elements[j] = "e" + random.Next(20000);
                        store.PfAdd(session, Of(Hll()), Keys.Of(elements), 1);
                        break;
                    }
                    case 5: store.PfMerge(session, Keys.Of("PFMERGE", Hll(), Hll(), Hll()), 1); break;
                    case 6: store.PfCount(session, Keys.Of("PFCOUNT", Hll(), Hll()), 1); break;
                    case 7: store.Set(session, Of(Key()), Of("v" + i), SetCondition.Always, random.Next(3) == 0 ? Later() : 0, false, out _); break;
                    case 8: store.Expire(session, Of(random.Next(2) == 0 ? Key() : Hll()), Later(), ExpireCondition.None); break;
                    case 9: store.Delete(session, Keys.Of(Key(), Hll()), 0); break;
                }
            }
            catch (CommandError)
            {
                // e.g. PFADD on a bitmap string: refused, nothing logged
            }
            clock.Advance(TimeSpan.FromMilliseconds(random.Next(0, 20)));
        }

        var replayed = logged.Replay(replayShards);
        Assert.Equal(store.Digest(), replayed.Digest());
        Assert.NotEqual(new Store(logged.Options, null).Digest(), store.Digest());
    }

    [Fact]
    public void A_bit_write_leaves_what_a_reader_already_read_as_it_was()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var s = new Session();
        logged.Store.Set(s, Of("k"), Of("\0\0"), SetCondition.Always, 0, false, out _);
        var read = logged.Store.GetString(s, Of("k"))!;
        Assert.Equal(0, logged.Store.SetBit(s, Of("k"), 7, 1));
        logged.Store.BitField(s, Of("k"), [new BitFieldOp(BitFieldOpKind.Set, false, 8, 8, 255, BitFieldOverflow.Wrap)], new long?[1]);
        Assert.Equal(new byte[2], read);
        Assert.Equal(new byte[] { 1, 255 }, logged.Store.GetString(s, Of("k")));
    }

    [Fact]
    public void Setbit_that_changes_nothing_logs_nothing()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var s = new Session();
        logged.Store.SetBit(s, Of("k"), 3, 1);
        long before = s.LastLogAddress;
        Assert.Equal(1, logged.Store.SetBit(s, Of("k"), 3, 1));
        Assert.Equal(0, logged.Store.SetBit(s, Of("k"), 5, 0));
        Assert.Equal(before, s.LastLogAddress);
    }

    [Fact]
    public void Bitop_logs_the_operation_not_its_result_and_replays_to_the_same_bytes()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var s = new Session();
        var random = new Random(3);
        for (int i = 0; i < 2000; i++)
        {
            logged.Store.SetBit(s, Of("a"), random.Next(8 << 20), 1); // bitmaps of up to 1 MB
            logged.Store.SetBit(s, Of("b"), random.Next(4 << 20), 1);
        }
        logged.Store.Set(s, Of("c"), Of("\xff"), SetCondition.Always, clock.Now.ToUnixTimeMilliseconds() + 1000, false, out _);
        logged.Store.Set(s, Of("dst"), Of("old"), SetCondition.Always, clock.Now.ToUnixTimeMilliseconds() + 60_000, false, out _);
        clock.Advance(TimeSpan.FromSeconds(2)); // c has expired: BITOP reads it as missing and deletes it first
        var a = logged.Store.GetString(s, Of("a"))!;
        var b = logged.Store.GetString(s, Of("b"))!;
        long before = s.LastLogAddress;
        foreach (var operation in new[] { BitOperation.And, BitOperation.Or, BitOperation.Xor })
        {
            Assert.Equal(a.Length, logged.Store.BitOp(s, operation, Keys.Of("BITOP", "op", "dst", "a", "b", "c"), 2, 3));
            var expected = new byte[a.Length];
            for (int i = 0; i < a.Length; i++)
            {
                byte x = a[i], y = i < b.Length ? b[i] : (byte)0;
                expected[i] = operation switch
                {
                    BitOperation.And => 0, // c is missing: all zeros
                    BitOperation.Or => (byte)(x | y),
                    _ => (byte)(x ^ y),
                };
            }
            Assert.Equal(expected, logged.Store.GetString(s, Of("dst")));
            Assert.Equal(-1, logged.Store.ExpiryOf(s, Of("dst")));
        }
        Assert.Equal(b.Length, logged.Store.BitOp(s, BitOperation.Not, Keys.Of("BITOP", "op", "dst", "b"), 2, 3));
        Assert.Equal(b.Select(x => (byte)~x).ToArray(), logged.Store.GetString(s, Of("dst")));
        Assert.InRange(s.LastLogAddress - before, 1, 4096); // four results of ~1 MB each were logged whole before
        Assert.Null(logged.Store.GetString(s, Of("c")));
        Assert.Equal(logged.Store.Digest(), logged.Replay().Digest());
        Assert.Equal(logged.Store.Digest(), logged.Replay(shards: 1).Digest());
        logged.Store.ListPush(s, Of("list"), Keys.Of("x"), 0, ListSide.Left, onlyIfExists: false);
        before = s.LastLogAddress;
        Assert.Throws<CommandError>(() => logged.Store.BitOp(s, BitOperation.Or, Keys.Of("BITOP", "op", "dst", "a", "list"), 2, 3));
        Assert.Equal(before, s.LastLogAddress);
    }

    [Fact]
    public void Pfadd_logs_only_registers_it_raises_and_replays_to_the_same_bytes()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var s = new Session();
        var elements = Enumerable.Range(0, 5000).Select(i => "user:" + i).Prepend("PFADD").ToArray();
        Assert.True(logged.Store.PfAdd(s, Of("h"), Keys.Of(elements), 1));
        long after = s.LastLogAddress;
        Assert.False(logged.Store.PfAdd(s, Of("h"), Keys.Of(elements), 1)); // nothing new: no event
        Assert.Equal(after, s.LastLogAddress);
        var live = logged.Store.GetString(s, Of("h"))!;
        Assert.True(HyperLogLog.IsDense(live));
        var replayed = logged.Replay();
        Assert.Equal(live, replayed.GetString(s, Of("h")));
        long count = logged.Store.PfCount(s, Keys.Of("PFCOUNT", "h"), 1);
        Assert.InRange(count, 5000 * 0.97, 5000 * 1.03);
    }

    [Fact]
    public void A_malformed_sparse_hll_is_refused_before_anything_is_logged()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var s = new Session();
        // 255 zero registers, then an XZERO opcode cut after its first byte: adds up to 16384 only if the missing
        // byte is read as 0 (Redis reads its string's terminator there).
        byte[] truncated = [.. "HYLL"u8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x40, 0xfe, 0x7f];
        logged.Store.Set(s, Of("h"), truncated, SetCondition.Always, 0, false, out _);
        long before = s.LastLogAddress;
        var error = Assert.Throws<CommandError>(() => logged.Store.PfAdd(s, Of("h"), Keys.Of("PFADD", "a", "b"), 1));
        Assert.Equal(HyperLogLog.CorruptError, error.Message);
        Assert.Throws<CommandError>(() => logged.Store.PfMerge(s, Keys.Of("PFMERGE", "h"), 1));
        Assert.Throws<CommandError>(() => logged.Store.PfCount(s, Keys.Of("PFCOUNT", "h"), 1));
        Assert.Equal(before, s.LastLogAddress);
        Assert.Equal(logged.Store.Digest(), logged.Replay().Digest());
    }
}
