using System.Text;
using System.Text.Json;
using HyperCache.Frontends.Resp;
using HyperCache.Frontends.Resp.Commands;
using HyperCache.Frontends.Resp.Metadata;

namespace HyperCache.Frontends.Tests;

/// <summary>The command table against the descriptions COMMAND INFO reads (Resp/Metadata): every command described,
/// and the flags the node acts on equal to Redis 7.0.15's (no redis-server needed; CommandTableTests in the
/// end-to-end suite compares whole replies with a real one).</summary>
public sealed class CommandDescriptionTests
{
    private static readonly CommandTable Table = CommandCatalog.Build();

    private static IEnumerable<CommandSpec> Everything()
        => Table.All.SelectMany(spec => new[] { spec }.Concat(spec.ListedSubcommands));

    [Fact]
    public void Every_command_and_listed_subcommand_is_described()
    {
        var undescribed = Everything().Where(spec => !CommandDescriptions.Shared.TryGet(spec.Name, out _)).Select(s => s.Name).ToList();
        Assert.True(undescribed.Count == 0, "no description for " + string.Join(", ", undescribed));
        Assert.True(Table.TryFind("debug", out var debug));
        Assert.Empty(debug.ListedSubcommands); // DEBUG is one command in Redis
        Assert.False(Table.TryFindFullName("debug|digest", out _));
        Assert.True(Table.TryFindFullName("XGROUP|create", out var create));
        Assert.Equal("xgroup|create", create.Name);
    }

    /// <summary>Every command with subcommands answers HELP, as each of Redis's does (DEBUG said "Try DEBUG HELP" and
    /// then did not know HELP).</summary>
    [Fact]
    public void Every_command_with_subcommands_answers_help()
    {
        var without = Table.All.Where(spec => spec.Subcommands is { } subs && !subs.ContainsKey("help")).Select(s => s.Name).ToList();
        Assert.True(without.Count == 0, "no HELP in " + string.Join(", ", without));
    }

    /// <summary>COMMAND DOCS's summaries are ours (command-summaries.json): one line for each command and listed
    /// subcommand, and none for a name the table lacks.</summary>
    [Fact]
    public void Every_command_and_listed_subcommand_has_a_one_line_summary_and_no_other_name_has_one()
    {
        var problems = new List<string>();
        foreach (var spec in Everything())
        {
            if (!CommandDescriptions.Shared.TryGetSummary(spec.Name, out var summary)) problems.Add($"{spec.Name}: no summary");
            else if (string.IsNullOrWhiteSpace(summary) || summary.Trim() != summary || summary.Any(char.IsControl))
                problems.Add($"{spec.Name}: summary is not one trimmed line: '{summary}'");
        }
        var names = Everything().Select(spec => spec.Name).ToHashSet();
        foreach (var name in CommandDescriptions.Shared.SummarizedNames)
            if (!names.Contains(name)) problems.Add($"{name}: summarized but not in the command table (or not listed)");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Write, readonly, denyoom, admin, fast, no_auth, allow_busy and no_multi decide what the node does; they come
    /// from the table, so the table must say what Redis says (except where docs/decisions.md records otherwise).</summary>
    [Fact]
    public void The_tables_flags_arity_and_key_positions_are_redis_7_0_15s()
    {
        using var stream = typeof(CommandTable).Assembly.GetManifestResourceStream("HyperCache.Frontends.Resp.Metadata.redis-7.0.15-commands.json")!;
        using var redis = JsonDocument.Parse(stream);
        var commands = redis.RootElement.GetProperty("commands");
        var differences = new List<string>();
        foreach (var spec in Everything())
        {
            if (!commands.TryGetProperty(spec.Name, out var theirs)) continue;
            var flags = RedisFlags.None;
            foreach (var flag in theirs.GetProperty("flags").EnumerateArray()) flags |= RedisFlagNames.Parse(flag.GetString()!);
            var expected = flags & RedisFlags.TableFlags;
            var actual = RedisFlagNames.FromTable(spec.Flags);
            if (expected != actual) differences.Add($"{spec.Name}: redis {expected}, table {actual}");
        }
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    /// <summary>Scripts refuse what Redis flags noscript, which COMMAND INFO shows from Redis's description.</summary>
    [Fact]
    public void Scripts_refuse_exactly_the_commands_described_noscript()
    {
        var differences = Everything()
            .Where(spec => spec.Subcommands is null) // a container itself never runs a script's call
            .Where(spec => CommandDescriptions.Shared.TryGet(spec.Name, out var d) && d.Flags.HasFlag(RedisFlags.NoScript) == Scripting.ScriptEngine.AllowedInScripts(spec))
            .Select(spec => spec.Name)
            .ToList();
        Assert.True(differences.Count == 0, "scripts disagree with noscript on " + string.Join(", ", differences));
    }

    [Theory]
    [InlineData("xreadgroup GROUP g c COUNT 1 STREAMS s1 s2 0 0", "s1 s2")]
    [InlineData("xread BLOCK 0 STREAMS a 0", "a")]
    [InlineData("xread STREAMS", "")]
    [InlineData("eval s 2 k1 k2 arg", "k1 k2")]
    [InlineData("zunionstore d 2 a b WEIGHTS 1 2", "d a b")]
    [InlineData("sort k BY w GET g STORE d", "k d")]
    [InlineData("lmpop 2 a b LEFT", "a b")]
    [InlineData("mset a 1 b 2", "a b")]
    public void Key_finder_reads_the_key_specs(string line, string keys)
    {
        var args = line.Split(' ').Select(Encoding.ASCII.GetBytes).ToList();
        string name = line.Split(' ')[0];
        Assert.True(CommandDescriptions.Shared.TryGet(name, out var description));
        var found = KeyFinder.Find(name, description.KeySpecs!, args);
        Assert.Equal(keys, string.Join(' ', found.Select(k => Encoding.ASCII.GetString(args[k.Position]))));
    }
}
