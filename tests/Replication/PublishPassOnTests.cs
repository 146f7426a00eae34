using System.Text;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Notifications;

namespace HyperCache.Replication.Tests;

/// <summary>
/// A primary's PUBLISH reaches a replica's subscribers through the log (Store.LogPublish): delivered as the replica
/// applies the batch it came in, in order with the writes around it (a transaction's included), and never again when
/// the replica replays its own log after a restart.
/// </summary>
public sealed class PublishPassOnTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private sealed class Recorder(Func<Store> store) : IPublishSink
    {
        public List<string> Heard { get; } = [];

        // What a subscriber sees, and what a reader of the replica saw at that moment (k's value).
        public void Publish(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message, bool sharded)
        {
            var value = store().GetString(new Session(), B("k"));
            Heard.Add($"{(sharded ? "s:" : "")}{Encoding.UTF8.GetString(channel)}={Encoding.UTF8.GetString(message)} k={(value is null ? "nil" : Encoding.UTF8.GetString(value))}");
        }
    }

    [Fact]
    public void Messages_arrive_in_order_with_the_writes_and_are_not_replayed()
    {
        using var primary = new TempNode();
        var s = new Session();
        primary.Store.Set(s, B("k"), B("1"), SetCondition.Always, 0, false, out _);
        primary.Store.LogPublish(s, B("ch"), B("m1"), sharded: false);
        primary.Store.RunTransaction(s, () =>
        {
            primary.Store.Set(s, B("k"), B("2"), SetCondition.Always, 0, false, out _);
            primary.Store.LogPublish(s, B("sch"), B("m2"), sharded: true);
            primary.Store.Set(s, B("k"), B("3"), SetCondition.Always, 0, false, out _);
        });
        long transaction = s.LastLogAddress;
        primary.Store.LogPublish(s, B("ch"), B("m3"), sharded: false);
        Assert.Equal(transaction, s.LastLogAddress); // a message is not a write the sync strategy waits for

        TempNode? replica = null;
        var recorder = new Recorder(() => replica!.Store);
        replica = new TempNode(recorder);
        using (replica)
        {
            var entries = primary.Entries();
            replica.Store.ApplyReplicated(entries.Take(2).Select(e => e.Entry).ToList(), new ReplicationPosition("id", entries[2].Address));
            replica.Store.ApplyReplicated(entries.Skip(2).Select(e => e.Entry).ToList(), new ReplicationPosition("id", primary.Log.CommittedUntilAddress));
            Assert.Equal(["ch=m1 k=1", "s:sch=m2 k=2", "ch=m3 k=3"], recorder.Heard);
            Assert.Equal(primary.Store.Digest(), replica.Store.Digest());

            recorder.Heard.Clear();
            replica.Restart();
            Assert.Empty(recorder.Heard);
            Assert.Equal(primary.Store.Digest(), replica.Store.Digest());
        }

        // The primary's own replay skips its messages too, and its state is what the writes made.
        primary.Restart();
        Assert.Equal("3", Encoding.UTF8.GetString(primary.Store.GetString(new Session(), B("k"))!));
    }
}
