using HyperCache.Frontends.Configuration;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// CONFIG REWRITE: writes into the YAML file the node was started with every setting CONFIG SET can change whose
/// running value differs from what the file says (or, when the file does not name it, from the default), as Redis
/// rewrites redis.conf with the running configuration (values given by flags or the environment included), and the
/// ACL users as the security.users list.
/// </summary>
public static class ConfigRewriteCommand
{
    /// <summary>Settings that are another name of one above them: written only where the file already uses them.</summary>
    private static readonly Dictionary<string, string> Aliases = new() { ["scripting.busy_reply_threshold"] = "scripting.lua_time_limit" };

    public static void Run(RespClient c, CommandArgs a, RespWriter r)
    {
        var running = c.Node.Config;
        string file = running.ConfigFile ?? throw new CommandError("ERR The server is running without a config file");
        try
        {
            var lines = File.ReadAllLines(file);
            var defaults = new NodeConfig();
            var changes = new List<(string Path, string Value)>();
            foreach (var setting in ConfigLoader.Settings)
            {
                // replicaof is not CONFIG SET's, but the role is written as Redis writes it: a promotion (Sentinel's
                // REPLICAOF NO ONE then CONFIG REWRITE) must still hold after a restart.
                if (setting.RedisName is not { } name || !(ServerCommands.IsMutable(name) || name == "replicaof")) continue;
                string? inFile = ConfigRewriter.Read(lines, setting.Path);
                bool aliasOnly = Aliases.ContainsValue(setting.Path);
                if (inFile is null && aliasOnly) continue;
                if (inFile is null && Aliases.TryGetValue(setting.Path, out var alias) && ConfigRewriter.Read(lines, alias) is not null) continue;
                string current = setting.Get(running);
                string? baseline = inFile is null ? setting.Get(defaults) : Canonical(setting, inFile);
                if (baseline != current) changes.Add((setting.Path, current));
            }
            // The ACL users, as Redis writes its "user" lines: the list is replaced when it differs from the file's.
            const string usersPath = "security." + ConfigLoader.UsersKey;
            var users = c.Node.Acl.ConfigLines(running.RequirePass);
            var usersInFile = ConfigRewriter.ReadList(lines, usersPath) ?? [];
            bool keep = running.AclFile.Length > 0 || users.SequenceEqual(usersInFile); // with an aclfile, users live there
            ConfigRewriter.Rewrite(file, changes, usersPath, keep ? null : users);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandError("ERR Rewriting config file: " + e.Message);
        }
        r.Ok();
    }

    /// <summary>A value as the setting holds it ("1gb" and "1073741824" are the same); null if it does not parse.</summary>
    private static string? Canonical(ConfigLoader.Setting setting, string value)
    {
        var probe = new NodeConfig();
        try
        {
            setting.Set(probe, value);
            return setting.Get(probe);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or ConfigException)
        {
            return null;
        }
    }
}
