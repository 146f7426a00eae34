using HyperCache.StateMachine.Dump;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>An RDB file written by <see cref="RdbFile.Write"/> and read back by <see cref="RdbFile.Load"/> through a
/// stream that hands out a few kilobytes a read: records cross the reader's window, and one is larger than it.</summary>
public class RdbFileTests
{
    private static readonly long Now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    [Fact]
    public void A_file_read_in_small_pieces_gives_back_the_same_store()
    {
        var original = Filled();
        var file = new MemoryStream();
        var written = RdbFile.Write(original, file, Now);
        Assert.Equal(file.Length, written.Bytes);

        var loaded = new Store(new StoreOptions { Shards = 4 }, null);
        var import = RdbFile.Load(loaded, new Trickle(file.ToArray(), 7_777), Now);
        Assert.Equal(written.Keys, import.Keys);
        Assert.Equal(0, import.Expired);
        Assert.Equal(original.Digest(), loaded.Digest());

        // Read an hour and ten seconds later: the keys whose expiry passed meanwhile are left out, as Redis leaves them.
        var later = RdbFile.Load(new Store(new StoreOptions { Shards = 4 }, null), new Trickle(file.ToArray(), 7_777), Now + 3_610_000);
        Assert.Equal(2001, later.Expired); // i % 5 == 0 and i <= 10 000
        Assert.Equal(written.Keys - 2001, later.Keys);
    }

    [Fact]
    public void A_damaged_file_is_refused()
    {
        var file = new MemoryStream();
        RdbFile.Write(Filled(), file, Now);
        var bytes = file.ToArray();
        bytes[bytes.Length / 3] ^= 0x40;
        var e = Assert.Throws<DumpFormatException>(() => RdbFile.Load(new Store(new StoreOptions { Shards = 4 }, null), new Trickle(bytes, 4096), Now));
        Assert.False(string.IsNullOrEmpty(e.Message));
    }

    /// <summary>20 k keys over three databases, a fifth of them with a TTL an hour and i ms away, and one of 3 MB (more
    /// than the reader's first window).</summary>
    private static Store Filled()
    {
        var store = new Store(new StoreOptions { Shards = 8 }, null);
        var session = new Session();
        for (int i = 0; i < 20_000; i++)
        {
            session.Db = i % 3;
            store.Set(session, Of("k" + i), Of(new string('v', i % 300)), SetCondition.Always, i % 5 == 0 ? Now + 3_600_000 + i : 0, false, out _);
        }
        session.Db = 0;
        store.Set(session, Of("big"), Of(new string('b', 3 << 20)), SetCondition.Always, 0, false, out _);
        return store;
    }

    /// <summary>A stream that returns at most <paramref name="piece"/> bytes a read.</summary>
    private sealed class Trickle(byte[] data, int piece) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, piece));
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, piece)]);
    }
}
