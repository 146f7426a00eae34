namespace HyperCache.Frontends.Resp.Acl;

/// <summary>
/// A node's ACL users by name, "default" always among them. Users live in memory (and in the config file through
/// CONFIG REWRITE): they are not written to the AOF nor replicated, as in Redis. Changes take a lock; readers get
/// whole <see cref="AclRules"/> snapshots.
/// </summary>
public sealed class AclUsers
{
    public const string DefaultName = "default";

    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, AclUser> _users = new(StringComparer.Ordinal);

    public AclUsers(AclCommandIndex index, string requirePass)
    {
        Index = index;
        Default = new AclUser(DefaultName, AclRules.AllowAll(index.Count, requirePass));
        _users[DefaultName] = Default;
    }

    public AclCommandIndex Index { get; }

    /// <summary>A node's users at start: the default one from requirepass, then the config file's user lines
    /// ("name rule..."), each applied to a new user as ACL SETUSER would (the default user is reset first, so its
    /// line says all of it, as in Redis). A bad line is a <see cref="Configuration.ConfigException"/>.</summary>
    public static AclUsers Configured(CommandTable commands, Configuration.NodeConfig config)
    {
        var users = new AclUsers(new AclCommandIndex(commands), config.RequirePass);
        if (config.AclFile.Length > 0)
        {
            if (config.Users.Count > 0)
                throw new Configuration.ConfigException("security.users and security.aclfile cannot both be set: users are kept in one place or the other");
            try
            {
                users.Replace(AclFile.Read(config.AclFile, users.Index), config.RequirePass);
            }
            catch (AclFileException e)
            {
                throw new Configuration.ConfigException("ACL file: " + e.Message);
            }
            return users;
        }
        foreach (var line in config.Users)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length > 0 && words[0] == "user") words = words[1..]; // ACL LIST's form is accepted too
            if (words.Length == 0) continue;
            try
            {
                users.SetUser(words[0], words[0] == DefaultName ? ["reset", .. words[1..]] : words[1..]);
            }
            catch (AclRuleException e)
            {
                throw new Configuration.ConfigException($"security.users: user '{words[0]}': error in rule '{e.Rule}': {e.Message}");
            }
        }
        return users;
    }

    /// <summary>The config file's form of the users (CONFIG REWRITE): every user but a default one that is just what
    /// requirepass makes it, as "name rule...".</summary>
    public List<string> ConfigLines(string requirePass)
    {
        var plain = new AclUser(DefaultName, AclRules.AllowAll(Index.Count, requirePass));
        string plainLine = AclDescriber.Line(plain, Index);
        var lines = new List<string>();
        foreach (var user in All())
        {
            string line = AclDescriber.Line(user, Index);
            if (user == Default && line == plainLine) continue;
            lines.Add(line["user ".Length..]);
        }
        return lines;
    }

    public AclUser Default { get; }

    public AclUser? Find(string name)
    {
        lock (_lock) return _users.GetValueOrDefault(name);
    }

    /// <summary>Every user, by name (as ACL USERS and LIST order them).</summary>
    public AclUser[] All()
    {
        lock (_lock) return [.. _users.Values];
    }

    /// <summary>ACL SETUSER: creates the user when new (off, no password, no command, key or channel), then applies
    /// every rule in order to a copy; any bad rule leaves the user as it was (and uncreated), as in Redis 7.0.</summary>
    public AclUser SetUser(string name, IEnumerable<string> rules)
    {
        lock (_lock)
        {
            _users.TryGetValue(name, out var user);
            var updated = user?.Rules.Clone() ?? new AclRules(Index.Count);
            foreach (var rule in rules) AclRuleParser.Apply(updated, rule, Index);
            updated.Seal(Index.Count);
            if (user is null) _users[name] = user = new AclUser(name, updated);
            else user.Rules = updated;
            return user;
        }
    }

    /// <summary>ACL DELUSER: the users removed (unknown names are skipped; "default" is refused by the caller).</summary>
    public List<AclUser> Delete(IEnumerable<string> names)
    {
        var removed = new List<AclUser>();
        lock (_lock)
        {
            foreach (var name in names)
            {
                if (name == DefaultName || !_users.Remove(name, out var user)) continue;
                user.Deleted = true;
                user.Rules = new AclRules(Index.Count).Seal(Index.Count); // its connections, until closed, run nothing
                removed.Add(user);
            }
        }
        return removed;
    }

    /// <summary>ACL LOAD (and the start with an aclfile): the users become the file's. The default user keeps its
    /// identity (its connections stay) and takes the file's rules, or, when the file has none for it, those
    /// requirepass gives it. Every other user is replaced: the old ones are returned, deleted, so that their
    /// connections can be closed, as Redis closes them.</summary>
    public List<AclUser> Replace(Dictionary<string, AclRules> loaded, string requirePass)
    {
        lock (_lock)
        {
            var old = _users.Values.Where(u => u != Default).ToList();
            foreach (var user in old)
            {
                user.Deleted = true;
                user.Rules = new AclRules(Index.Count).Seal(Index.Count);
            }
            _users.Clear();
            _users[DefaultName] = Default;
            Default.Rules = loaded.GetValueOrDefault(DefaultName) ?? AclRules.AllowAll(Index.Count, requirePass);
            foreach (var (name, rules) in loaded)
                if (name != DefaultName) _users[name] = new AclUser(name, rules);
            return old;
        }
    }

    /// <summary>Whether a replica may follow this node as <paramref name="user"/> ("": default) with
    /// <paramref name="password"/> (null: none): the user must be on and the password one of its own, or the user
    /// nopass, as AUTH checks. With the default user nopass, any replica may follow, as before users existed.</summary>
    public bool AdmitsReplica(string user, byte[]? password)
    {
        var rules = Find(user.Length == 0 ? DefaultName : user)?.Rules;
        if (rules is not { Enabled: true }) return false;
        return rules.NoPass || (password != null && rules.HasPassword(password));
    }

    /// <summary>CONFIG SET requirepass: the default user's passwords become that one (nopass when empty).</summary>
    public void SetDefaultPassword(string password)
    {
        lock (_lock)
        {
            var rules = Default.Rules.Clone();
            rules.SetPassword(password);
            Default.Rules = rules.Seal(Index.Count);
        }
    }
}
