using HyperCache.EndToEnd.Tests.Infrastructure;
using StackExchange.Redis;

namespace HyperCache.EndToEnd.Tests;

/// <summary>Lists through StackExchange.Redis, the way an application uses them (a work queue, a capped log).</summary>
[Collection(ListsCollection.Name)]
public sealed class ListClientLibraryTests(NodeFixture node) : E2ETest(node)
{
    [Fact]
    public void A_work_queue()
    {
        var db = Node.Db();
        Assert.Equal(3, db.ListRightPush(K("jobs"), ["j1", "j2", "j3"]));
        Assert.Equal(3, db.ListLength(K("jobs")));
        Assert.Equal("j1", (string?)db.ListMove(K("jobs"), K("busy"), ListSide.Left, ListSide.Right));
        Assert.Equal("j3", (string?)db.ListRightPopLeftPush(K("jobs"), K("busy")));
        Assert.Equal(["j3", "j1"], db.ListRange(K("busy")).Select(v => (string?)v));
        Assert.Equal(1, db.ListRemove(K("busy"), "j1"));
        Assert.Equal("j2", (string?)db.ListLeftPop(K("jobs")));
        Assert.True(db.ListLeftPop(K("jobs")).IsNull);
        Assert.False(db.KeyExists(K("jobs")));
    }

    [Fact]
    public void A_capped_log_with_index_access()
    {
        var db = Node.Db();
        for (int i = 0; i < 20; i++) db.ListLeftPush(K(), $"event {i}");
        db.ListTrim(K(), 0, 9);
        Assert.Equal(10, db.ListLength(K()));
        Assert.Equal("event 19", (string?)db.ListGetByIndex(K(), 0));
        Assert.Equal("event 10", (string?)db.ListGetByIndex(K(), -1));
        db.ListSetByIndex(K(), 0, "latest");
        Assert.Equal(11, db.ListInsertAfter(K(), "latest", "after"));
        Assert.Equal(12, db.ListInsertBefore(K(), "latest", "before"));
        Assert.Equal(["before", "latest", "after"], db.ListRange(K(), 0, 2).Select(v => (string?)v));
        Assert.Equal(2, db.ListPosition(K(), "after"));
        Assert.Equal([2L], db.ListPositions(K(), "after", 5));
        Assert.Equal(["event 10", "event 11"], db.ListRightPop(K(), 2).Select(v => (string?)v));
        Assert.Equal(RedisType.List, db.KeyType(K()));
    }

    [Fact]
    public void Multi_key_pop_and_wrong_type()
    {
        var db = Node.Db();
        db.ListRightPush(K("b"), ["1", "2", "3"]);
        var popped = db.ListLeftPop([K("a"), K("b")], 2);
        Assert.Equal(K("b"), (string?)popped.Key);
        Assert.Equal(["1", "2"], popped.Values.Select(v => (string?)v));
        Assert.True(db.ListLeftPop([K("a")], 1).IsNull);
        db.StringSet(K("s"), "v");
        var error = Assert.Throws<RedisServerException>(() => db.ListLeftPush(K("s"), "x"));
        Assert.StartsWith("WRONGTYPE", error.Message);
    }
}
