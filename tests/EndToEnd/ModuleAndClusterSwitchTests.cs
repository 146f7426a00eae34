using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>The commands of features HyperCache leaves out reply as redis-server 7.0.15 does without them (no module
/// loaded and MODULE LOAD disabled, cluster mode off), with their HELP; SCRIPT DEBUG takes only NO, there being no Lua
/// debugger. The suite passes with HYPERCACHE_E2E_TARGET=redis, but for SCRIPT DEBUG YES.</summary>
[Collection(KeysCollection.Name)]
public sealed class ModuleAndClusterSwitchTests(NodeFixture node) : E2ETest(node)
{
    private const string NoCluster = "ERR This instance has cluster support disabled";
    private const string NoModules = "ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";

    [Fact]
    public void Module_list_is_empty_and_loading_is_refused()
    {
        Expect("*0\r\n", "MODULE", "LIST");
        Expect(Resp.Err(NoModules), "MODULE", "LOAD", "/nonexistent.so");
        Expect(Resp.Err(NoModules), "MODULE", "LOADEX", "/nonexistent.so", "ARGS", "x");
        Expect(Resp.Err(NoModules), "MODULE", "UNLOAD", "bf");
        Expect(Resp.Err("ERR unknown subcommand 'FOO'. Try MODULE HELP."), "MODULE", "FOO");
        Expect(Resp.WrongArity("module"), "MODULE");
        Assert.StartsWith("*11\r\n+MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+LIST\r\n", Cmd("MODULE", "HELP"));
    }

    /// <summary>CLUSTER's subcommands are there (COMMAND LIST, arity, unknown names), each saying cluster support is
    /// off; CLUSTER RESET is refused in a script, as Redis 7.0 without cluster-enabled (its suite's checks).</summary>
    [Fact]
    public void Cluster_subcommands_exist_and_say_cluster_support_is_disabled()
    {
        Expect(Resp.Err(NoCluster), "CLUSTER", "INFO");
        Expect(Resp.Err(NoCluster), "CLUSTER", "HELP");
        Expect(Resp.Err("ERR wrong number of arguments for 'cluster|info' command"), "CLUSTER", "INFO", "x");
        Expect(Resp.Err("ERR unknown subcommand 'nope'. Try CLUSTER HELP."), "CLUSTER", "nope");
        string listed = Cmd("COMMAND", "LIST", "FILTERBY", "PATTERN", "cluster*");
        Assert.Contains(Resp.Bulk("cluster|help"), listed);
        Assert.Contains(Resp.Bulk("cluster|slots"), listed);
        Assert.StartsWith("-ERR This Redis command is not allowed from script", Cmd("EVAL", "return redis.call('cluster', 'reset', 'hard')", "0"));
        Assert.StartsWith("-" + NoCluster, Cmd("EVAL", "return redis.call('cluster', 'info')", "0"));
    }

    [Fact]
    public void Cluster_read_switches_say_cluster_support_is_disabled()
    {
        Expect(Resp.Err(NoCluster), "READONLY");
        Expect(Resp.Err(NoCluster), "READWRITE");
        Expect(Resp.WrongArity("readonly"), "READONLY", "x");
    }

    [Fact]
    public void Config_help_lists_its_subcommands()
        => Assert.StartsWith("*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET <pattern>\r\n", Cmd("CONFIG", "HELP"));

    [Fact]
    public void Script_debug_takes_no_and_checks_its_argument()
    {
        Expect(Resp.Ok, "SCRIPT", "DEBUG", "NO");
        Expect(Resp.Err("ERR Use SCRIPT DEBUG YES/SYNC/NO"), "SCRIPT", "DEBUG", "MAYBE");
        if (!NodeProcess.TargetIsRedis)
            Expect(Resp.Err("ERR SCRIPT DEBUG is not supported: HyperCache has no Lua debugger (use SCRIPT DEBUG NO)"), "SCRIPT", "DEBUG", "YES");
    }
}
