using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>SAVE, BGSAVE, LASTSAVE, BGREWRITEAOF and INFO persistence, with Redis's replies.</summary>
[Collection(ServerCollection.Name)]
public sealed class PersistenceCommandTests(NodeFixture node) : E2ETest(node)
{
    private string Field(string name)
    {
        var text = Assert.IsType<string>(Resp.Parse(Cmd("INFO", "persistence")));
        var m = Regex.Match(text, "^" + Regex.Escape(name) + ":(.*)$", RegexOptions.Multiline);
        Assert.True(m.Success, $"INFO persistence has no {name}:\n{text}");
        return m.Groups[1].Value.TrimEnd('\r');
    }

    private void WaitIdle() => Eventually.True(() => Field("rdb_bgsave_in_progress") == "0" && Field("aof_rewrite_in_progress") == "0",
        "no background save running", TimeSpan.FromSeconds(30));

    [Fact]
    public void Save_updates_lastsave_and_resets_the_change_count()
    {
        WaitIdle();
        Expect(Resp.Ok, "SET", K(), "v");
        long before = NowS();
        Expect(Resp.Ok, "SAVE");
        var lastsave = Assert.IsType<long>(Resp.Parse(Cmd("LASTSAVE")));
        Assert.InRange(lastsave, before - 1, NowS() + 1);
        Assert.Equal(lastsave.ToString(), Field("rdb_last_save_time"));
        Assert.Equal("ok", Field("rdb_last_bgsave_status"));
    }

    [Fact]
    public void Bgsave_starts_in_the_background_and_finishes()
    {
        WaitIdle();
        Expect(Resp.Simple("Background saving started"), "BGSAVE");
        WaitIdle();
        Assert.Equal("ok", Field("rdb_last_bgsave_status"));
        Expect(Resp.Simple("Background saving started"), "BGSAVE", "SCHEDULE");
        WaitIdle();
    }

    [Fact]
    public void Wrong_arguments_get_redis_errors()
    {
        Expect(Resp.WrongArity("save"), "SAVE", "x");
        Expect(Resp.WrongArity("lastsave"), "LASTSAVE", "x");
        Expect(Resp.WrongArity("bgrewriteaof"), "BGREWRITEAOF", "x");
        Expect(Resp.Err("ERR syntax error"), "BGSAVE", "NOW");
        Expect(Resp.Err("ERR syntax error"), "BGSAVE", "SCHEDULE", "x");
    }

    [Fact]
    public void Info_persistence_has_redis_field_names()
    {
        foreach (var name in new[] { "loading", "rdb_changes_since_last_save", "rdb_bgsave_in_progress", "rdb_last_save_time",
                     "rdb_last_bgsave_status", "aof_enabled", "aof_rewrite_in_progress", "aof_last_write_status" })
            Assert.Matches(@"^[\w.-]+$", Field(name));
    }
}
