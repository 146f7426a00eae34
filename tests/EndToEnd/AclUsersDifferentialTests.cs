using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// ACL users against redis-server 7.0.15: the same SETUSER / GETUSER / LIST / DRYRUN sequences, the same commands run
/// as a restricted user (at top level, in MULTI, in Lua) and the ACL LOG they leave, compared reply for reply. ACL
/// LOG's age and client-info (whose other fields differ by design) are compared only for the command and user they
/// name. Rule sets whose description Redis writes with several single commands are left out: Redis orders those by
/// its hash table, which changes with every start.
/// </summary>
[Collection(AclUsersCollection.Name)]
public sealed partial class AclUsersDifferentialTests(NodeFixture node, RedisReference redis) : E2ETest(node), IClassFixture<RedisReference>
{
    private const string Password = "pw";

    /// <summary>A connection to each server; "as" a user when given (AUTH first).</summary>
    private sealed class Both : IDisposable
    {
        public RawRespClient Ours { get; }
        public RawRespClient Theirs { get; }
        public List<string> Differences { get; } = [];

        public Both(NodeFixture ours, NodeFixture theirs, string? user = null)
        {
            Ours = ours.Raw();
            Theirs = theirs.Raw();
            if (user is null) return;
            Assert.Equal(Resp.Ok, Ours.Command("AUTH", user, Password));
            Assert.Equal(Resp.Ok, Theirs.Command("AUTH", user, Password));
        }

        /// <summary>Sends to both; records a difference; returns ours.</summary>
        public string Run(params string[] args)
        {
            string expected = Normalize(Theirs.Command(args)), actual = Normalize(Ours.Command(args));
            if (expected != actual)
                Differences.Add($"{string.Join(' ', args.Select(RawRespClient.Escape))}\n  redis: {RawRespClient.Escape(expected)}\n  ours:  {RawRespClient.Escape(actual)}");
            return actual;
        }

        public void Dispose()
        {
            Ours.Dispose();
            Theirs.Dispose();
        }
    }

    /// <summary>ACL LOG's age and client-info as what they must agree on (the command and the user).</summary>
    private static string Normalize(string reply)
    {
        reply = AgeSeconds().Replace(reply, "$$11\r\nage-seconds\r\nAGE\r\n");
        return ClientInfo().Replace(reply, m => $"$$11\r\nclient-info\r\n{m.Groups["cmd"].Value} {m.Groups["user"].Value}\r\n");
    }

    [GeneratedRegex(@"\$11\r\nage-seconds\r\n(\$\d+\r\n[0-9.e-]+|,[0-9.e-]+)\r\n")]
    private static partial Regex AgeSeconds();

    [GeneratedRegex(@"\$11\r\nclient-info\r\n\$\d+\r\nid=[^\r]* (?<cmd>cmd=\S+) (?<user>user=\S+)[^\r]*\r\n")]
    private static partial Regex ClientInfo();

    private static void AssertSame(params Both[] pairs)
    {
        var differences = pairs.SelectMany(p => p.Differences).ToList();
        Assert.True(differences.Count == 0, $"{differences.Count} replies differ from redis-server's:\n" + string.Join("\n", differences));
    }

    /// <summary>Rule sets whose GETUSER and LIST Redis writes the same way at every start.</summary>
    private static readonly string[][] RuleSets =
    [
        [], ["reset"], ["on", "nopass"], [">a", ">b", "<a"], ["#" + new string('a', 64), ">x", "resetpass", ">y"],
        ["nopass", ">p"], ["on", ">p", "off"], ["skip-sanitize-payload"], ["sanitize-payload", "skip-sanitize-payload"],
        ["+get"], ["+@all"], ["allcommands", "-get"], ["+@all", "-get", "+get", "-set"], ["+@list", "-lpush", "+lpush"],
        ["+@list", "-@list"], ["+@string", "-@list"], ["+config|get", "+config"], ["+config", "-config|get"],
        ["allcommands", "-@admin"], ["+@all", "-@admin", "+config|get"], ["-@all", "+@read", "-@read", "+get"],
        ["+@hash", "+@string"], ["+@read"], ["+@read", "-get"], ["+@write", "+get"], ["+@fast", "+@slow"],
        ["+@keyspace", "-del"], ["+@admin"], ["+@dangerous"], ["+@connection"], ["+@scripting"], ["+@pubsub"],
        ["+@transaction"], ["+@blocking"], ["+@geo"], ["+@stream"], ["+@bitmap"], ["+@hyperloglog"], ["+@sortedset"],
        ["+@set"], ["+@all", "-@dangerous"], ["+@all", "-@slow"], ["+@all", "-@write"], ["+GET", "ON", "+@ALL"],
        ["~a", "~b", "~a"], ["%R~a", "%W~a", "~b", "%r~c", "%RW~d"], ["~*"], ["allkeys"], ["~a", "allkeys"],
        ["%R~*"], ["~a", "resetkeys", "~b"], ["&a", "&a", "&b*"], ["allchannels"], ["&*"], ["&a", "allchannels"],
        ["&a", "resetchannels", "&b"], ["~", "&"], ["reset", "on", ">p", "~k*", "&c*", "+get", "-@all", "+set"],
    ];

    /// <summary>Rules Redis refuses, each with its error; the user is left as it was.</summary>
    private static readonly string[][] BadRules =
    [
        ["foo"], ["+nocmd"], ["+@nocat"], ["-@all|x"], ["%X~a"], ["%~a"], ["%R"], ["#abc"], ["!abc"], ["#" + new string('A', 64)],
        ["<nope"], ["!" + new string('b', 64)], ["-get|x"], ["+config|nope"], ["allkeys", "~a"], ["~*", "%R~a"],
        ["allchannels", "&a"], ["on", ">p", "+get", "bogus"],
    ];

    [RedisServerFact]
    public void Setuser_getuser_list_and_users_answer_as_redis()
    {
        using var admin = new Both(Node, redis.Server);
        foreach (var rules in RuleSets)
        {
            admin.Run(["ACL", "SETUSER", "rt", .. rules]);
            admin.Run("ACL", "GETUSER", "rt");
            admin.Run("ACL", "LIST");
            admin.Run("ACL", "USERS");
            admin.Run("ACL", "DELUSER", "rt");
        }
        admin.Run("ACL", "SETUSER", "kept", "on", ">p", "~k", "+get");
        foreach (var rules in BadRules)
        {
            admin.Run(["ACL", "SETUSER", "kept", .. rules]);
            admin.Run(["ACL", "SETUSER", "fresh", .. rules]);
        }
        admin.Run("ACL", "GETUSER", "kept");
        admin.Run("ACL", "GETUSER", "fresh");
        admin.Run("ACL", "SETUSER", "a b");
        admin.Run("ACL", "SETUSER", "x@y", "on");
        admin.Run("ACL", "USERS");
        admin.Run("ACL", "DELUSER", "kept", "x@y", "nosuch");
        admin.Run("ACL", "DELUSER", "kept");
        admin.Run("ACL", "USERS");
        foreach (int protocol in new[] { 3, 2 })
        {
            string version = protocol.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.StartsWith(protocol == 3 ? "%7" : "*14", admin.Ours.Command("HELLO", version)); // (the client ids differ)
            Assert.StartsWith(protocol == 3 ? "%7" : "*14", admin.Theirs.Command("HELLO", version));
            admin.Run("ACL", "SETUSER", "r3", "on", ">p", "%R~a", "&c", "+get", "+@list");
            admin.Run("ACL", "GETUSER", "r3");
            admin.Run("ACL", "GETUSER", "nosuch");
            admin.Run("ACL", "DELUSER", "r3");
        }
        admin.Run("ACL", "DELUSER", "fresh");
        AssertSame(admin);
    }

    private const string AliceRules = "on >pw ~foo* %R~r* %W~w* &ch* +get +set +exists +copy +lmove +@list -lpush +config|get +multi +exec +discard " +
                                      "+eval +evalsha +publish +subscribe +psubscribe +ssubscribe +spublish +acl|whoami +acl|dryrun +fcall";

    [RedisServerFact]
    public void A_restricted_user_is_denied_as_redis_denies_it_and_acl_log_says_why()
    {
        using var admin = new Both(Node, redis.Server);
        admin.Run(["ACL", "SETUSER", "alice", "reset", .. AliceRules.Split(' ')]);
        admin.Run("ACL", "LOG", "RESET");
        using (var alice = new Both(Node, redis.Server, "alice"))
        {
            foreach (var line in new[]
            {
                "GET foo1", "GET bar", "SET foo1 v", "LPOP foo1", "LPUSH foo1 x", "RPUSH foo1 x", "SET r1 x", "GET r1", "SET w1 x",
                "GET w1", "EXISTS w1", "EXISTS r1 w1 zz", "COPY r1 w1", "COPY w1 r1", "LMOVE r1 w1 LEFT LEFT", "LMOVE foo1 r1 LEFT LEFT",
                "CONFIG GET maxmemory", "CONFIG SET maxmemory 0", "CONFIG RESETSTAT", "ACL WHOAMI", "ACL USERS", "ACL DELUSER x",
                "PUBLISH x m", "PUBLISH ch1 m", "SPUBLISH x m", "SPUBLISH chx m", "PSUBSCRIBE ch*", "PING", "AUTH alice pw",
                "ACL DRYRUN alice get bar", "HELLO 2",
            })
                alice.Run(line.Split(' '));
            admin.Run("ACL", "SETUSER", "alice", "+sort", "+sort_ro", "+rpush");
            foreach (var line in new[]
            {
                "RPUSH foo:s 3 1 2", "SORT foo:s", "SORT foo:s BY nosort", "SORT foo:s BY w_*", "SORT foo:s GET #", "SORT foo:s LIMIT 0 1 GET x_*",
                "SORT_RO foo:s BY foo_*", "SORT foo:s STORE w:1", "SORT foo:s STORE r:1", "DEL foo:s",
            })
                alice.Run(line.Split(' '));
            admin.Run("DEL", "foo:s", "w:1");
            alice.Run("SUBSCRIBE", "ch1", "x");
            alice.Run("PSUBSCRIBE", "x*");
            alice.Run("SSUBSCRIBE", "x");
            alice.Run("PSUBSCRIBE", "ch");
            AssertSame(alice);
        }
        admin.Run("ACL", "LOG");
        admin.Run("ACL", "LOG", "2");
        foreach (var line in new[]
        {
            "alice get foo1", "alice get bar", "alice lpush foo x", "alice config set x y", "alice config get x", "alice get r1",
            "alice set r1 x", "alice set w1 x", "alice get w1", "alice exists w1", "alice copy r1 w1", "alice copy w1 r1",
            "alice publish x y", "alice publish ch1 y", "alice spublish x y", "alice ssubscribe x", "alice subscribe ch1 x",
            "alice psubscribe x*", "alice psubscribe ch*", "alice eval 'return' 1 w1", "alice eval 'return' 1 foo", "nobody get x",
            "alice nocmd", "alice config nope", "alice config", "alice get", "alice auth x y", "alice hello",
        })
            admin.Run(["ACL", "DRYRUN", .. line.Split(' ')]);
        admin.Run("ACL", "DELUSER", "alice");
        AssertSame(admin);
    }

    [RedisServerFact]
    public void Denials_in_multi_and_exec_and_in_lua_are_redis_s()
    {
        using var admin = new Both(Node, redis.Server);
        admin.Run(["ACL", "SETUSER", "mallory", "reset", .. AliceRules.Replace("alice", "mallory").Split(' ')]);
        admin.Run("ACL", "LOG", "RESET");
        using (var user = new Both(Node, redis.Server, "mallory"))
        {
            // At queue time: NOPERM, and the transaction is doomed.
            foreach (var line in new[] { "MULTI", "LPOP foo", "GET bar", "GET foo", "PUBLISH x y", "EXEC" }) user.Run(line.Split(' '));
            // Rules changed between MULTI and EXEC: EXEC answers NOPERM for what is no longer allowed.
            foreach (var line in new[] { "MULTI", "GET foo", "SET foo v", "PUBLISH ch1 x", "LLEN foo" }) user.Run(line.Split(' '));
            admin.Run("ACL", "SETUSER", "mallory", "-get", "resetkeys", "%R~foo", "resetchannels");
            user.Run("EXEC");
            admin.Run("ACL", "SETUSER", "mallory", "+get", "resetkeys", "~foo*", "&ch*");
            // Scripts run under the caller's rules.
            foreach (var script in new[]
            {
                "return redis.call('get','bar')", "return redis.call('lpop','foo')", "return redis.pcall('lpop','foo')",
                "return redis.pcall('get','bar')", "return redis.call('publish','x','y')", "return redis.call('publish','ch1','y')",
                "return redis.call('get','foo')", "return redis.acl_check_cmd('lpop','foo')", "return redis.acl_check_cmd('get','bar')",
                "return redis.acl_check_cmd('get','foo')", "return redis.acl_check_cmd('get')", "return redis.acl_check_cmd('nocmd')",
                "return redis.acl_check_cmd('config','nope')", "return redis.acl_check_cmd('config','get','x')",
                "return redis.acl_check_cmd('set','foo','v')", "return redis.acl_check_cmd()",
            })
                user.Run("EVAL", script, "0");
            user.Run("EVAL", "return redis.call('get',KEYS[1])", "1", "bar");
            AssertSame(user);
        }
        admin.Run("ACL", "LOG");
        admin.Run("ACL", "DELUSER", "mallory");
        AssertSame(admin);
    }

    [RedisServerFact]
    public void Auth_deletion_and_client_kill_user_act_on_connections_as_redis()
    {
        using var admin = new Both(Node, redis.Server);
        admin.Run("ACL", "SETUSER", "bob", "on", ">pw", "+@all", "~*", "&*");
        admin.Run("ACL", "LOG", "RESET");
        admin.Run("AUTH", "bob", "wrong");
        admin.Run("AUTH", "nosuch", "pw");
        admin.Run("ACL", "SETUSER", "bob", "off");
        admin.Run("AUTH", "bob", "pw");
        admin.Run("ACL", "LOG");
        admin.Run("ACL", "SETUSER", "bob", "on");
        admin.Run("CLIENT", "KILL", "USER", "nosuch");

        // SETUSER off leaves a connection in; CLIENT KILL USER closes it.
        var first = new Both(Node, redis.Server, "bob");
        first.Run("ACL", "WHOAMI");
        admin.Run("ACL", "SETUSER", "bob", "off");
        first.Run("PING");
        admin.Run("ACL", "SETUSER", "bob", "on");
        admin.Run("CLIENT", "KILL", "USER", "bob");
        Assert.Equal("", first.Ours.ReadUntilClosed());
        Assert.Equal("", first.Theirs.ReadUntilClosed());
        first.Dispose();

        // DELUSER closes the user's connections, the caller's own after its reply.
        using var second = new Both(Node, redis.Server, "bob");
        using var self = new Both(Node, redis.Server, "bob");
        self.Run("ACL", "DELUSER", "bob", "nosuch");
        Assert.Equal("", self.Ours.ReadUntilClosed());
        Assert.Equal("", self.Theirs.ReadUntilClosed());
        Assert.Equal("", second.Ours.ReadUntilClosed());
        Assert.Equal("", second.Theirs.ReadUntilClosed());
        admin.Run("ACL", "USERS");
        AssertSame(admin, self);
    }

    [RedisServerFact]
    public void Rules_on_the_default_user_apply_to_its_connections()
    {
        using var admin = new Both(Node, redis.Server);
        using var other = new Both(Node, redis.Server);
        admin.Run("ACL", "SETUSER", "default", "-get", "resetkeys", "~a*");
        other.Run("GET", "a1");
        other.Run("SET", "b", "1");
        other.Run("SET", "a1", "1");
        admin.Run("ACL", "LIST");
        admin.Run("ACL", "SETUSER", "default", "+get", "~*");
        other.Run("GET", "b");
        admin.Run("ACL", "LIST");
        admin.Run("ACL", "GETUSER", "default");
        AssertSame(admin, other);
    }

    [RedisServerFact]
    public void Losing_a_channel_closes_the_connections_subscribed_to_it()
    {
        using var admin = new Both(Node, redis.Server);
        admin.Run("ACL", "SETUSER", "sub", "on", ">pw", "+@all", "~*", "&*");
        using var channel = new Both(Node, redis.Server, "sub");
        using var pattern = new Both(Node, redis.Server, "sub");
        using var shard = new Both(Node, redis.Server, "sub");
        using var kept = new Both(Node, redis.Server, "sub");
        using var idle = new Both(Node, redis.Server, "sub");
        channel.Run("SUBSCRIBE", "foo");
        pattern.Run("PSUBSCRIBE", "f*");
        shard.Run("SSUBSCRIBE", "bar");
        kept.Run("PSUBSCRIBE", "foo");
        admin.Run("ACL", "SETUSER", "sub", "resetchannels", "&foo");
        channel.Run("PING");
        kept.Run("PING");
        idle.Run("PING");
        foreach (var closed in new[] { pattern, shard })
        {
            Assert.Equal("", closed.Ours.ReadUntilClosed());
            Assert.Equal("", closed.Theirs.ReadUntilClosed());
        }
        admin.Run("ACL", "DELUSER", "sub");
        AssertSame(admin, channel, kept, idle);
    }

    [RedisServerFact]
    public void Noperm_comes_before_oom()
    {
        using var admin = new Both(Node, redis.Server);
        admin.Run("ACL", "SETUSER", "oom", "on", ">pw", "+@all", "~mine*", "&*");
        admin.Run("SET", "ballast", new string('x', 4096));
        using var user = new Both(Node, redis.Server, "oom");
        try
        {
            admin.Run("CONFIG", "SET", "maxmemory", "1");
            Assert.StartsWith("-NOPERM", user.Run("SET", "other", "v")); // not OOM
            Assert.StartsWith("-OOM", user.Run("SET", "mine1", "v"));
            user.Run("MULTI");
            user.Run("SET", "other", "v");
            user.Run("EXEC");
        }
        finally
        {
            admin.Run("CONFIG", "SET", "maxmemory", "0");
        }
        admin.Run("DEL", "ballast");
        admin.Run("ACL", "DELUSER", "oom");
        AssertSame(admin, user);
    }
}
