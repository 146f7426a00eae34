using HyperCache.Frontends.Resp.Metadata;

namespace HyperCache.Frontends.Resp.Tracking;

/// <summary>The argument positions of the keys a read names, for the tracking table: the command's fixed key range
/// when it has one (GET, MGET, HGET...), else Redis's key specs (ZUNION, XREAD, SINTERCARD...).</summary>
public static class TrackedKeys
{
    public static List<int> Of(CommandSpec spec, CommandArgs args)
    {
        var positions = new List<int>();
        if (spec.FirstKey > 0 && spec.Step > 0)
        {
            int last = spec.LastKey < 0 ? args.Count + spec.LastKey : Math.Min(spec.LastKey, args.Count - 1);
            for (int i = spec.FirstKey; i <= last; i += spec.Step) positions.Add(i);
            return positions;
        }
        if (!CommandDescriptions.Shared.TryGet(spec.Name, out var description) || description.KeySpecs is not { } specs) return positions;
        var line = new List<byte[]>(args.Count);
        for (int i = 0; i < args.Count; i++) line.Add(args[i].ToArray());
        foreach (var key in KeyFinder.Find(spec.Name, specs, line)) positions.Add(key.Position);
        return positions;
    }
}
