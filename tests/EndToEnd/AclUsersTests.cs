using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>ACL users on this node alone: who a connection is (WHOAMI, CLIENT LIST's user=), HELLO AUTH, and that a
/// user allowed everything is checked as little as the default user.</summary>
[Collection(AclUsersCollection.Name)]
public sealed class AclUsersTests(NodeFixture node) : E2ETest(node)
{
    [Fact]
    public void Hello_auth_and_auth_switch_the_connection_s_user()
    {
        Expect(Resp.Ok, "ACL", "SETUSER", "carol", "on", ">pw", "+@all", "~*", "&*");
        try
        {
            using var c = Node.Raw();
            Assert.StartsWith("%7\r\n", c.Command("HELLO", "3", "AUTH", "carol", "pw"));
            Assert.Equal("$5\r\ncarol\r\n", c.Command("ACL", "WHOAMI"));
            Assert.Contains(" user=carol ", c.Command("CLIENT", "INFO"));
            Assert.StartsWith("-WRONGPASS", c.Command("HELLO", "3", "AUTH", "carol", "bad"));
            Assert.Equal("$5\r\ncarol\r\n", c.Command("ACL", "WHOAMI")); // a failed AUTH keeps the user
            Assert.Equal(Resp.Ok, c.Command("AUTH", "default", "anything")); // the default user is nopass
            Assert.Equal("$7\r\ndefault\r\n", c.Command("ACL", "WHOAMI"));
            Assert.Equal(Resp.Ok, c.Command("AUTH", "carol", "pw"));
            Assert.Equal(Resp.Simple("RESET"), c.Command("RESET"));
            Assert.Equal("$7\r\ndefault\r\n", c.Command("ACL", "WHOAMI"));
        }
        finally
        {
            Expect(Resp.Int(1), "ACL", "DELUSER", "carol");
        }
    }

    [Fact]
    public void A_restricted_user_in_multi_dooms_the_transaction_and_lua_cannot_reach_past_its_rules()
    {
        Expect(Resp.Ok, "ACL", "SETUSER", "dave", "on", ">pw", "~d:*", "+@all", "-flushall", "&*");
        try
        {
            using var c = Node.Raw();
            Assert.Equal(Resp.Ok, c.Command("AUTH", "dave", "pw"));
            Assert.Equal(Resp.Ok, c.Command("MULTI"));
            Assert.Equal(Resp.Simple("QUEUED"), c.Command("SET", "d:1", "v"));
            Assert.Equal(Resp.Err("NOPERM this user has no permissions to access one of the keys used as arguments"), c.Command("SET", "other", "v"));
            Assert.Equal(Resp.Err("NOPERM this user has no permissions to run the 'flushall' command"), c.Command("FLUSHALL"));
            Assert.Equal(Resp.Err("EXECABORT Transaction discarded because of previous errors."), c.Command("EXEC"));
            Assert.Equal(Resp.Bulk(null), c.Command("GET", "d:1"));
            Assert.StartsWith("-ERR The user executing the script can't access at least one of the keys mentioned in the command arguments",
                c.Command("EVAL", "return redis.call('set', 'other', 'v')", "0"));
            Assert.StartsWith("-ERR The user executing the script can't run this command or subcommand",
                c.Command("EVAL", "return redis.call('flushall')", "0"));
            Assert.Equal(Resp.Bulk(null), Cmd("GET", "other"));
            Assert.Equal(Resp.Ok, c.Command("EVAL", "return redis.call('set', 'd:2', 'v')", "0"));
        }
        finally
        {
            Expect(Resp.Int(1), "ACL", "DELUSER", "dave");
            Cmd("DEL", "d:1", "d:2");
        }
    }

    [Fact]
    public void A_user_given_every_command_key_and_channel_runs_unchecked_and_losing_one_is_seen_at_once()
    {
        Expect(Resp.Ok, "ACL", "SETUSER", "erin", "on", "nopass", "+@all", "~*", "&*");
        try
        {
            using var c = Node.Raw();
            Assert.Equal(Resp.Ok, c.Command("AUTH", "erin", "x"));
            Assert.Equal(Resp.Ok, c.Command("SET", K(), "v"));
            Expect(Resp.Ok, "ACL", "SETUSER", "erin", "-set");
            Assert.Equal(Resp.Err("NOPERM this user has no permissions to run the 'set' command"), c.Command("SET", K(), "v"));
            Expect(Resp.Ok, "ACL", "SETUSER", "erin", "+set");
            Assert.Equal(Resp.Ok, c.Command("SET", K(), "w"));
        }
        finally
        {
            Expect(Resp.Int(1), "ACL", "DELUSER", "erin");
        }
    }

    [HyperCacheFact]
    public void Selectors_are_refused_with_a_clear_error_and_change_nothing()
    {
        Assert.StartsWith("-ERR Error in ACL SETUSER modifier '(~a +get)': Selectors are not supported", Cmd("ACL", "SETUSER", "frank", "on", "(~a +get)"));
        Assert.StartsWith("-ERR Error in ACL SETUSER modifier '+select|0': Rules on a command's first argument", Cmd("ACL", "SETUSER", "frank", "+select|0"));
        Expect(Resp.Bulk(null), "ACL", "GETUSER", "frank");
    }
}
