using HyperCache.Frontends.Resp.Commands;
using HyperCache.Frontends.Resp.Metadata;

namespace HyperCache.Frontends.Resp.Acl;

/// <summary>
/// Numbers every command and listed subcommand of a node's table (<see cref="CommandSpec.AclId"/>), the index of its
/// bit in a user's permission bitset, and keeps what a permission check needs per id: the ACL categories and the
/// key specs. Built once per node, after its table; a subcommand COMMAND does not list (DEBUG's) shares its
/// command's id, as Redis knows it as one command.
/// </summary>
public sealed class AclCommandIndex
{
    private readonly CommandSpec[] _byId;
    private readonly AclCategories[] _categories;
    private readonly KeySpec[][] _keySpecs;
    private readonly bool[] _hasKeys;

    public AclCommandIndex(CommandTable table)
    {
        Table = table;
        var specs = new List<CommandSpec>();
        foreach (var spec in table.All)
        {
            spec.AclId = specs.Count;
            specs.Add(spec);
            if (spec.Subcommands is null) continue;
            foreach (var sub in spec.Subcommands.Values)
            {
                if (spec.SubcommandsHidden) sub.AclId = spec.AclId;
                else
                {
                    sub.AclId = specs.Count;
                    specs.Add(sub);
                }
            }
        }
        _byId = [.. specs];
        _categories = new AclCategories[_byId.Length];
        _keySpecs = new KeySpec[_byId.Length][];
        _hasKeys = new bool[_byId.Length];
        for (int id = 0; id < _byId.Length; id++)
        {
            var spec = _byId[id];
            CommandDescriptions.Shared.TryGet(spec.Name, out var description);
            _categories[id] = CommandCommands.Categories(CommandCommands.Flags(spec, description), description);
            _keySpecs[id] = description?.KeySpecs ?? KeySpec.FromRange(spec);
            _hasKeys[id] = KeyFinder.HasKeys(spec.Name, _keySpecs[id]);
        }
    }

    public CommandTable Table { get; }

    /// <summary>How many ids there are (the bitsets' length in bits).</summary>
    public int Count => _byId.Length;

    /// <summary>The command or subcommand with this id (a hidden subcommand's is its command).</summary>
    public CommandSpec this[int id] => _byId[id];

    public AclCategories CategoriesOf(int id) => _categories[id];

    public KeySpec[] KeySpecsOf(int id) => _keySpecs[id];

    /// <summary>Whether the command names keys at all (else key patterns do not apply to it, as in Redis).</summary>
    public bool HasKeys(int id) => _hasKeys[id];

    /// <summary>The ids of a command and, for a container, of every subcommand it lists.</summary>
    public IEnumerable<int> FamilyOf(CommandSpec spec)
    {
        yield return spec.AclId;
        foreach (var sub in spec.ListedSubcommands) yield return sub.AclId;
    }
}
