using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>ACL with only the default user, against redis-server 7.0.15 in that state: what reads users, the log of
/// failed AUTHs, GENPASS, DELUSER, DRYRUN, LOAD / SAVE without an ACL file, in RESP2 and RESP3.</summary>
[Collection(ServerCollection.Name)]
public sealed class AclTests(NodeFixture node, RedisReference redis) : E2ETest(node), IClassFixture<RedisReference>
{
    private static readonly string[][] Script =
    [
        ["ACL", "WHOAMI"], ["ACL", "USERS"], ["ACL", "LIST"], ["ACL", "GETUSER", "default"], ["ACL", "GETUSER", "nosuch"],
        ["ACL", "CAT"], ["ACL", "CAT", "nosuch"], ["ACL", "CAT", "a", "b"], ["ACL", "GENPASS", "0"], ["ACL", "GENPASS", "4097"],
        ["ACL", "GENPASS", "x"], ["ACL", "GENPASS", "1", "2"], ["ACL", "DELUSER", "default"], ["ACL", "DELUSER", "nosuch", "x"],
        ["ACL", "DELUSER", "x", "default"], ["ACL", "LOAD"], ["ACL", "SAVE"], ["ACL", "DRYRUN", "default", "set", "k", "v"],
        ["ACL", "DRYRUN", "default", "nosuch"], ["ACL", "DRYRUN", "nosuch", "get", "k"], ["ACL", "DRYRUN", "default", "get"],
        ["ACL", "DRYRUN", "default"], ["ACL", "WHOAMI", "x"], ["ACL", "USERS", "x"], ["ACL", "LOG", "x"], ["ACL", "LOG", "-1"],
        ["ACL", "LOG", "0"], ["ACL"], ["ACL", "NOSUCH"], ["ACL", "GETUSER"],
    ];

    [RedisServerFact]
    public void Every_subcommand_replies_as_redis_7_0_15_with_only_the_default_user()
    {
        using var ours = Node.Raw();
        using var theirs = redis.Server.Raw();
        var differences = new List<string>();
        foreach (int protocol in new[] { 2, 3 })
        {
            foreach (var c in new[] { ours, theirs }) c.Command("HELLO", protocol.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var line in Script)
            {
                string expected = theirs.Command(line), actual = ours.Command(line);
                if (expected != actual)
                    differences.Add($"RESP{protocol} {string.Join(' ', line)}\n  redis: {RawRespClient.Escape(expected)}\n  ours:  {RawRespClient.Escape(actual)}");
            }
        }
        Assert.True(differences.Count == 0, $"{differences.Count} replies differ from redis-server's:\n" + string.Join("\n", differences));
    }

    [Fact]
    public void Genpass_gives_random_hex_of_the_asked_bits()
    {
        string first = Bulk(Cmd("ACL", "GENPASS")), second = Bulk(Cmd("ACL", "GENPASS"));
        Assert.Matches("^[0-9a-f]{64}$", first);
        Assert.NotEqual(first, second);
        Assert.Matches("^[0-9a-f]{2}$", Bulk(Cmd("ACL", "GENPASS", "5")));
        Assert.Matches("^[0-9a-f]{1024}$", Bulk(Cmd("ACL", "GENPASS", "4096")));
    }

    [Fact]
    public void Commands_in_a_category_are_redis_s_less_the_ones_this_node_lacks()
    {
        var all = Names(Cmd("COMMAND", "LIST"));
        foreach (var category in Names(Cmd("ACL", "CAT")))
        {
            var listed = Names(Cmd("ACL", "CAT", category));
            Assert.Equal(Names(Cmd("COMMAND", "LIST", "FILTERBY", "ACLCAT", category)), listed);
            Assert.All(listed, name => Assert.Contains(name, all));
        }
        Assert.Contains("set", Names(Cmd("ACL", "CAT", "write")));
        Assert.Contains("get", Names(Cmd("ACL", "CAT", "read")));
        Assert.DoesNotContain("get", Names(Cmd("ACL", "CAT", "write")));
    }

    [Fact]
    public void A_failed_auth_is_logged_once_per_minute_with_a_count_and_reset_clears_it() => FailedAuthIsLogged(Node);

    [RedisServerFact]
    public void Redis_logs_a_failed_auth_the_same_way() => FailedAuthIsLogged(redis.Server);

    private static void FailedAuthIsLogged(NodeFixture server)
    {
        using var c = server.Raw();
        Assert.Equal(Resp.Ok, c.Command("ACL", "LOG", "RESET"));
        Assert.Equal("*0\r\n", c.Command("ACL", "LOG"));
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", c.Command("AUTH", "mallory", "x"));
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", c.Command("AUTH", "mallory", "y"));
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", c.Command("auth", "eve", "y"));
        string log = c.Command("ACL", "LOG");
        var pattern = new Regex(@"^\*2\r\n" +
            Entry(1, "eve", "auth") + Entry(2, "mallory", "AUTH") + "$");
        Assert.Matches(pattern, log);
        Assert.Matches(@"^\*1\r\n\*14\r\n\$5\r\ncount\r\n:1\r\n", c.Command("ACL", "LOG", "1"));
        Assert.Equal(Resp.Ok, c.Command("ACL", "LOG", "RESET"));
        Assert.Equal("*0\r\n", c.Command("ACL", "LOG"));

        // the object is the command's name as the client sent it
        static string Entry(int count, string user, string command) =>
            $@"\*14\r\n\$5\r\ncount\r\n:{count}\r\n\$6\r\nreason\r\n\$4\r\nauth\r\n\$7\r\ncontext\r\n\$8\r\ntoplevel\r\n" +
            $@"\$6\r\nobject\r\n\$4\r\n{command}\r\n\$8\r\nusername\r\n\${user.Length}\r\n{user}\r\n" +
            @"\$11\r\nage-seconds\r\n\$\d+\r\n[0-9.e-]+\r\n\$11\r\nclient-info\r\n\$\d+\r\nid=\d+ addr=[^\r]* cmd=auth user=default redir=-1 resp=2\r\n";
    }

    private static string Bulk(string reply) => reply[(reply.IndexOf('\n') + 1)..^2];

    /// <summary>The bulk strings of a flat array reply.</summary>
    private static List<string> Names(string reply) => [.. Regex.Matches(reply, @"\$\d+\r\n([^\r]*)\r\n").Select(m => m.Groups[1].Value)];
}

/// <summary>ACL LIST and GETUSER show requirepass as Redis stores a password: its SHA-256.</summary>
[Collection(AuthCollection.Name)]
public sealed class AclWithPasswordTests(PasswordNodeFixture node) : E2ETest(node)
{
    [Fact]
    public void The_default_user_s_password_shows_as_its_sha256()
    {
        using var c = Node.Raw();
        Assert.Equal(Resp.Ok, c.Command("AUTH", PasswordNodeFixture.Secret));
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(PasswordNodeFixture.Secret)));
        Assert.Equal(Resp.BulkArray($"user default on #{hash} ~* &* +@all"), c.Command("ACL", "LIST"));
        Assert.Equal("*12\r\n$5\r\nflags\r\n*1\r\n$2\r\non\r\n$9\r\npasswords\r\n*1\r\n$64\r\n" + hash + "\r\n" +
            "$8\r\ncommands\r\n$5\r\n+@all\r\n$4\r\nkeys\r\n$2\r\n~*\r\n$8\r\nchannels\r\n$2\r\n&*\r\n$9\r\nselectors\r\n*0\r\n",
            c.Command("ACL", "GETUSER", "default"));
    }
}
