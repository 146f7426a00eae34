using System.CommandLine;
using HyperCache.Frontends.Configuration;
using HyperCache.Frontends.Hosting;

namespace HyperCache.Frontends.Cli;

/// <summary>The <c>hypercache</c> command line: <c>serve</c> runs a node; more verbs join as they land.</summary>
public static class CliApp
{
    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("HyperCache: a Redis-compatible cache whose every write is an entry in a FasterLog AOF.");
        root.Subcommands.Add(ServeCommand());
        return root.Parse(args).InvokeAsync();
    }

    private static Command ServeCommand()
    {
        var config = new Option<string?>("--config") { Description = "YAML configuration file (the seed's node*-config.yaml keys)" };
        // Each flag overrides one YAML setting, named by its path.
        var flags = new (Option<string?> Option, string Path)[]
        {
            (new Option<string?>("--bind") { Description = "Address(es) to listen on (default 127.0.0.1)" }, "network.bind"),
            (new Option<string?>("--resp-port") { Description = "RESP port (default 8080)" }, "network.resp_port"),
            (new Option<string?>("--http-port") { Description = "HTTP port (default 9080)" }, "network.http_port"),
            (new Option<string?>("--data-dir") { Description = "Data directory; the AOF lives in DIR/aof" }, "node.data_dir"),
            (new Option<string?>("--appendfsync") { Description = "always | everysec | no (default everysec)" }, "persistence.sync_policy"),
            (new Option<string?>("--node-id") { Description = "This node's id" }, "node.id"),
            (new Option<string?>("--maxclients") { Description = "Most simultaneous RESP clients (default 10000)" }, "network.max_clients"),
            (new Option<string?>("--requirepass") { Description = "Password clients must give with AUTH (default: none)" }, "security.requirepass"),
            (new Option<string?>("--protected-mode") { Description = "yes | no: refuse to bind a non-loopback address without a password (default yes)" }, "security.protected_mode"),
        };
        var cut = new Option<bool>("--cut-corrupt-log")
        {
            Description = "Start even if the AOF is damaged in the middle, keeping only the entries before the damage (the damaged log is kept aside)",
        };
        var serve = new Command("serve", "Run a node");
        serve.Options.Add(config);
        foreach (var (option, _) in flags) serve.Options.Add(option);
        serve.Options.Add(cut);
        serve.SetAction(async (parse, ct) =>
        {
            var given = new Dictionary<string, string>();
            foreach (var (option, path) in flags)
                if (parse.GetValue(option) is { } value) given[path] = value;
            if (parse.GetValue(cut)) given["persistence.cut_corrupt_log"] = "yes";
            NodeConfig nodeConfig;
            try
            {
                nodeConfig = ConfigLoader.Load(parse.GetValue(config), given);
            }
            catch (ConfigException e)
            {
                Console.Error.WriteLine("Configuration error: " + e.Message);
                return 2;
            }
            return await NodeHost.RunAsync(nodeConfig, ct);
        });
        return serve;
    }
}
