namespace HyperCache.Frontends.Resp.Acl;

/// <summary>An ACL user: its name and its current rules, replaced whole by ACL SETUSER (see <see cref="AclRules"/>).
/// A connection holds its user; the rules it runs under are always the user's latest.</summary>
public sealed class AclUser(string name, AclRules rules)
{
    private volatile AclRules _rules = rules;

    public string Name { get; } = name;

    public AclRules Rules
    {
        get => _rules;
        set => _rules = value;
    }

    /// <summary>Set when ACL DELUSER (or ACL LOAD) removed the user: its connections are being closed.</summary>
    public bool Deleted { get; set; }
}
