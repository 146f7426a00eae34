using System.Security.Cryptography;
using System.Text;
using HyperCache.Frontends.Resp;
using HyperCache.Frontends.Resp.Acl;
using HyperCache.Frontends.Resp.Commands;
using HyperCache.Frontends.Resp.Metadata;

namespace HyperCache.Frontends.Tests;

/// <summary>ACL SETUSER's rules on a rule set (Redis 7.0's meaning and errors), how they are written back, and the
/// per-command check they drive.</summary>
public sealed class AclRuleParserTests
{
    private static readonly CommandTable Table = CommandCatalog.Build();
    private static readonly AclCommandIndex Index = new(Table);

    private static AclRules Rules(params string[] rules)
    {
        var r = new AclRules(Index.Count);
        foreach (var rule in rules) AclRuleParser.Apply(r, rule, Index);
        return r.Seal(Index.Count);
    }

    private static CommandSpec Spec(params string[] line)
    {
        var args = Args(line);
        Assert.Equal(CommandLookup.Found, Table.Resolve(args, out var spec));
        return spec;
    }

    private static CommandArgs Args(params string[] line)
    {
        var bytes = line.Select(Encoding.UTF8.GetBytes).ToArray();
        var buffer = bytes.SelectMany(b => b).ToArray();
        var args = new CommandArgs();
        args.Reset(buffer);
        for (int i = 0, at = 0; i < bytes.Length; at += bytes[i].Length, i++) args.Add(at, bytes[i].Length);
        return args;
    }

    private static AclDenial Check(AclRules rules, params string[] line) => AclCheck.Check(rules, Index, Spec(line), Args(line), out _);

    [Fact]
    public void Every_command_and_listed_subcommand_has_its_own_id_and_a_hidden_one_shares_its_command_s()
    {
        var ids = new HashSet<int>();
        foreach (var spec in Table.All)
        {
            Assert.True(ids.Add(spec.AclId), spec.Name);
            foreach (var sub in spec.ListedSubcommands) Assert.True(ids.Add(sub.AclId), sub.Name);
            if (spec.SubcommandsHidden) Assert.All(spec.Subcommands!.Values, sub => Assert.Equal(spec.AclId, sub.AclId));
        }
        Assert.Equal(Index.Count, ids.Count);
    }

    [Fact]
    public void Only_all_commands_keys_and_channels_together_allow_everything()
    {
        Assert.True(Rules("+@all", "~*", "&*").AllowsAll);
        Assert.True(AclRules.AllowAll(Index.Count, "").AllowsAll);
        Assert.False(Rules("+@all", "~*").AllowsAll);
        Assert.False(Rules("+@all", "~*", "&*", "-get").AllowsAll);
        Assert.True(Rules("+@all", "~*", "&*", "-get", "+get").AllowsAll);
        Assert.False(Rules("+@all", "%R~*", "&*").AllowsAll); // %R~* is a read-only pattern, not allkeys
    }

    [Fact]
    public void Passwords_are_kept_as_sha256_added_once_and_removed_by_text_or_hash()
    {
        var r = Rules(">a", ">b", ">a");
        Assert.Equal(2, r.Passwords.Count);
        Assert.True(r.HasPassword("a"u8));
        Assert.False(r.HasPassword("c"u8));
        string hashOfB = Convert.ToHexStringLower(SHA256.HashData("b"u8));
        AclRuleParser.Apply(r, "!" + hashOfB, Index);
        AclRuleParser.Apply(r, "<a", Index);
        Assert.Empty(r.Passwords);
        var e = Assert.Throws<AclRuleException>(() => AclRuleParser.Apply(r, "<a", Index));
        Assert.Equal("The password you are trying to remove from the user does not exist", e.Message);
        Assert.Throws<AclRuleException>(() => AclRuleParser.Apply(r, "#" + hashOfB.ToUpperInvariant(), Index));
        Assert.True(Rules("nopass").NoPass);
        Assert.False(Rules("nopass", ">x").NoPass);
    }

    [Theory]
    [InlineData("foo", "Syntax error")]
    [InlineData("+nosuch", "Unknown command or category name in ACL")]
    [InlineData("+@nosuch", "Unknown command or category name in ACL")]
    [InlineData("-get|x", "Unknown command or category name in ACL")]
    [InlineData("+config|nosuch", "Unknown command or category name in ACL")]
    [InlineData("%~a", "Syntax error")]
    [InlineData("%X~a", "Syntax error")]
    [InlineData("#abc", "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters")]
    [InlineData("(~a +get)", "Selectors are not supported by HyperCache (see docs/decisions.md)")]
    [InlineData("+select|0", "Rules on a command's first argument (+command|argument) are not supported by HyperCache")]
    public void A_bad_rule_names_redis_s_reason(string rule, string reason)
    {
        var e = Assert.Throws<AclRuleException>(() => Rules(rule));
        Assert.Equal(rule, e.Rule);
        Assert.Equal(reason, e.Message);
    }

    [Fact]
    public void A_pattern_after_allkeys_or_allchannels_is_refused_and_patterns_merge_their_access()
    {
        Assert.StartsWith("Adding a pattern after the * pattern (or the 'allkeys' flag)", Assert.Throws<AclRuleException>(() => Rules("allkeys", "%R~a")).Message);
        Assert.StartsWith("Adding a pattern after the * pattern (or the 'allchannels' flag)", Assert.Throws<AclRuleException>(() => Rules("&*", "&a")).Message);
        var r = Rules("%R~a", "%W~a", "%R~b", "~c", "resetkeys", "%W~d", "~*");
        Assert.True(r.AllKeys);
        Assert.Equal("~a %R~b", AclDescriber.Keys(Rules("%R~a", "%W~a", "%R~b")));
        Assert.Equal("&a &b", AclDescriber.Channels(Rules("&a", "&b", "&a")));
    }

    [Fact]
    public void Commands_are_described_from_all_or_nothing_then_the_best_categories_then_single_commands()
    {
        Assert.Equal("-@all", AclDescriber.Commands(Rules(), Index));
        Assert.Equal("+@all", AclDescriber.Commands(Rules("+@all"), Index));
        Assert.Equal("-@all +get", AclDescriber.Commands(Rules("+get"), Index));
        Assert.Equal("+@all -set", AclDescriber.Commands(Rules("+@all", "-get", "+get", "-set"), Index));
        Assert.Equal("-@all +@string +@hash -hset", AclDescriber.Commands(Rules("+@hash", "+@string", "-hset", "+get"), Index));
        Assert.Equal("-@all +config", AclDescriber.Commands(Rules("+config|get", "+config"), Index));
        Assert.Equal("-@all +config -config|get", AclDescriber.Commands(Rules("+config", "-config|get"), Index));
        Assert.Equal("+@all -@admin +config|get", AclDescriber.Commands(Rules("+@all", "-@admin", "+config|get"), Index));
    }

    [Fact]
    public void A_user_line_reads_as_redis_writes_it()
    {
        var user = new AclUser("alice", Rules("on", ">pw", "~foo*", "%R~r*", "&x", "+get"));
        string hash = Convert.ToHexStringLower(SHA256.HashData("pw"u8));
        Assert.Equal($"user alice on #{hash} ~foo* %R~r* resetchannels &x -@all +get", AclDescriber.Line(user, Index));
        Assert.Equal("user t off sanitize-payload resetchannels -@all", AclDescriber.Line(new AclUser("t", Rules("reset")), Index));
    }

    [Fact]
    public void Keys_need_the_access_the_command_uses_them_for()
    {
        var r = Rules("+@all", "%R~r*", "%W~w*", "~rw*");
        Assert.Equal(AclDenial.None, Check(r, "GET", "r1"));
        Assert.Equal(AclDenial.Key, Check(r, "SET", "r1", "v"));
        Assert.Equal(AclDenial.None, Check(r, "SET", "w1", "v"));
        Assert.Equal(AclDenial.Key, Check(r, "GET", "w1"));
        Assert.Equal(AclDenial.None, Check(r, "EXISTS", "w1", "r1")); // no access: any matching pattern will do
        Assert.Equal(AclDenial.None, Check(r, "COPY", "r1", "w1"));
        Assert.Equal(AclDenial.Key, Check(r, "COPY", "w1", "r1"));
        Assert.Equal(AclDenial.None, Check(r, "GETSET", "rw1", "v"));
        Assert.Equal(AclDenial.Key, Check(r, "GET", "other"));
        Assert.Equal(AclDenial.None, Check(r, "PING")); // no keys
    }

    [Fact]
    public void Commands_subcommands_and_channels_are_checked_and_no_auth_commands_always_pass()
    {
        var r = Rules("+get", "+config|get", "+publish", "+psubscribe", "~*", "&news.*");
        Assert.Equal(AclDenial.None, Check(r, "GET", "k"));
        Assert.Equal(AclDenial.Command, Check(r, "SET", "k", "v"));
        Assert.Equal(AclDenial.None, Check(r, "CONFIG", "GET", "x"));
        Assert.Equal(AclDenial.Command, Check(r, "CONFIG", "SET", "x", "y"));
        Assert.Equal(AclDenial.None, Check(r, "AUTH", "u", "p"));
        Assert.Equal(AclDenial.None, Check(r, "PUBLISH", "news.a", "m"));
        Assert.Equal(AclDenial.Channel, Check(r, "PUBLISH", "sports", "m"));
        Assert.Equal(AclDenial.None, Check(r, "PSUBSCRIBE", "news.*"));
        Assert.Equal(AclDenial.Channel, Check(r, "PSUBSCRIBE", "news.a*")); // a pattern must be one of the user's
        var error = AclCheck.Error(AclDenial.Command, Index, Spec("CONFIG", "SET", "x", "y"));
        Assert.Equal("NOPERM this user has no permissions to run the 'config|set' command", error);
    }

    [Fact]
    public void Setuser_is_all_or_nothing_and_a_new_user_starts_off_with_nothing()
    {
        var users = new AclUsers(Index, "");
        Assert.Throws<AclRuleException>(() => users.SetUser("bob", ["on", "+get", "bogus"]));
        Assert.Null(users.Find("bob"));
        var bob = users.SetUser("bob", []);
        Assert.False(bob.Rules.Enabled);
        Assert.False(bob.Rules.MayRun(Spec("GET", "k").AclId));
        users.SetUser("bob", ["on", "+get"]);
        Assert.Throws<AclRuleException>(() => users.SetUser("bob", ["off", "-get", "bogus"]));
        Assert.True(bob.Rules.Enabled);
        Assert.Equal(["bob", "default"], users.All().Select(u => u.Name));
        Assert.Single(users.Delete(["bob", "default", "nosuch"]));
        Assert.True(bob.Deleted);
    }

    [Fact]
    public void Requirepass_sets_the_default_user_s_password_and_config_lines_leave_it_out_when_that_is_all()
    {
        var users = new AclUsers(Index, "");
        users.SetDefaultPassword("secret");
        Assert.True(users.Default.Rules.HasPassword("secret"u8));
        Assert.False(users.Default.Rules.NoPass);
        Assert.Empty(users.ConfigLines("secret"));
        users.SetUser("default", ["-get"]);
        Assert.Equal([$"default on #{Convert.ToHexStringLower(SHA256.HashData("secret"u8))} ~* &* +@all -get"], users.ConfigLines("secret"));
    }
}
