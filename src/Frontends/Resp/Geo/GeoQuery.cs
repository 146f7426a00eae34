using HyperCache.Frontends.Resp.Commands;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Values;

namespace HyperCache.Frontends.Resp.Geo;

/// <summary>
/// A GEOSEARCH / GEOSEARCHSTORE / GEORADIUS[BYMEMBER][_RO] request, parsed and checked in the order Redis 7.0's
/// georadiusGeneric does (so the same bad input gets the same error), and how its candidates become the answer:
/// <see cref="Select"/> keeps the points inside the shape (the first COUNT found with ANY), orders them by distance
/// when asked (or when COUNT asks for the closest), and cuts to COUNT.
/// </summary>
internal sealed class GeoQuery
{
    public required GeoShape Shape { get; init; }
    public bool WithDistance { get; init; }
    public bool WithHash { get; init; }
    public bool WithCoordinates { get; init; }
    public bool StoreDistance { get; init; }
    public byte[]? Destination { get; init; }
    /// <summary>0 scan order, 1 nearest first, -1 farthest first.</summary>
    public int Sort { get; init; }
    public long Count { get; init; }
    public bool Any { get; init; }

    public List<GeoPoint> Select(List<ScoredMember> candidates)
    {
        var found = new List<GeoPoint>();
        foreach (var candidate in candidates)
        {
            if (Any && found.Count >= Count) break;
            if (Shape.Contains(candidate.Score, out var point, candidate.Member)) found.Add(point);
        }
        if (Sort != 0 && Count > 0 && found.Count > Count)
        {
            // COUNT keeps fewer than were found: Redis's partial quicksort, whose order of equal distances is its own.
            var items = found.ToArray();
            PartialQuickSort.Sort(items, new ByDistance(Sort), (int)Count - 1);
            return [.. items.Take((int)Count)];
        }
        if (Sort != 0)
        {
            // Stable both ways: equal distances keep scan order, farthest first too (as Redis's qsort, glibc's merge
            // sort, leaves them; reversing the nearest-first order turned them around).
            found = StableSort(found, Sort);
        }
        if (Count > 0 && found.Count > Count) found.RemoveRange((int)Count, found.Count - (int)Count);
        return found;
    }

    /// <summary>Sorted by distance, equal distances in scan order, both ways: the distances and positions are
    /// sorted (16 bytes each, a struct comparer), then the points follow them.</summary>
    private static List<GeoPoint> StableSort(List<GeoPoint> points, int sign)
    {
        var keys = new (double Distance, int Index)[points.Count];
        for (int i = 0; i < keys.Length; i++) keys[i] = (sign * points[i].Distance, i);
        keys.AsSpan().Sort(new ByKey());
        var sorted = new List<GeoPoint>(keys.Length);
        foreach (var (_, index) in keys) sorted.Add(points[index]);
        return sorted;
    }

    private readonly struct ByKey : IComparer<(double Distance, int Index)>
    {
        public int Compare((double Distance, int Index) x, (double Distance, int Index) y)
        {
            int byDistance = x.Distance.CompareTo(y.Distance);
            return byDistance != 0 ? byDistance : x.Index.CompareTo(y.Index);
        }
    }

    /// <summary>Nearest first (sign 1) or farthest first (-1).</summary>
    private readonly struct ByDistance(int sign) : IComparer<GeoPoint>
    {
        public int Compare(GeoPoint x, GeoPoint y) => sign * x.Distance.CompareTo(y.Distance);
    }

    public static GeoQuery Parse(RespClient c, CommandArgs a, GeoCommands.Form form)
    {
        var source = a[form.Source];
        // The source's type first; a member centre is looked up only when the source exists (a missing source
        // answers empty, whatever the member and, for GEORADIUSBYMEMBER, the radius).
        bool exists = c.Store.SortedSetCard(c.Session, source) > 0;
        double lon = 0, lat = 0, radius = 0, width = 0, height = 0, unit = 1;
        bool fromMember = false, fromLonLat = false, byRadius = false, byBox = false;
        if (!form.GeoSearch)
        {
            // GEORADIUS key lon lat radius unit / GEORADIUSBYMEMBER key member radius unit
            if (form.FromLonLat) (lon, lat) = GeoCommands.Point(a, 2);
            else if (exists) (lon, lat) = GeoCommands.MemberPoint(c, source, a[2]);
            (fromLonLat, fromMember) = (form.FromLonLat, !form.FromLonLat);
            if (form.FromLonLat || exists) (radius, unit) = GeoCommands.Radius(a, form.Base - 2);
            byRadius = true;
        }
        bool withDist = false, withHash = false, withCoord = false, any = false, storeDist = false;
        int sort = 0;
        long count = 0;
        byte[]? destination = form.Destination > 0 ? a[form.Destination].ToArray() : null;
        for (int i = form.Base; i < a.Count; i++)
        {
            int left = a.Count - i - 1;
            if (a.Is(i, "WITHDIST"u8)) withDist = true;
            else if (a.Is(i, "WITHHASH"u8)) withHash = true;
            else if (a.Is(i, "WITHCOORD"u8)) withCoord = true;
            else if (a.Is(i, "ANY"u8)) any = true;
            else if (a.Is(i, "ASC"u8)) sort = 1;
            else if (a.Is(i, "DESC"u8)) sort = -1;
            else if (a.Is(i, "COUNT"u8) && left >= 1)
            {
                count = ArgParse.Int64(a[++i]);
                if (count <= 0) throw new CommandError("ERR COUNT must be > 0");
            }
            else if ((a.Is(i, "STORE"u8) || a.Is(i, "STOREDIST"u8)) && left >= 1 && form.CanStore)
            {
                storeDist = a.Is(i, "STOREDIST"u8);
                destination = a[++i].ToArray();
            }
            else if (a.Is(i, "STOREDIST"u8) && form.Destination > 0) storeDist = true;
            else if (a.Is(i, "FROMMEMBER"u8) && left >= 1 && form.GeoSearch && !fromLonLat)
            {
                i++;
                if (exists) (lon, lat) = GeoCommands.MemberPoint(c, source, a[i]);
                fromMember = true;
            }
            else if (a.Is(i, "FROMLONLAT"u8) && left >= 2 && form.GeoSearch && !fromMember)
            {
                (lon, lat) = GeoCommands.Point(a, i + 1);
                fromLonLat = true;
                i += 2;
            }
            else if (a.Is(i, "BYRADIUS"u8) && left >= 2 && form.GeoSearch && !byBox)
            {
                (radius, unit) = GeoCommands.Radius(a, i + 1);
                byRadius = true;
                i += 2;
            }
            else if (a.Is(i, "BYBOX"u8) && left >= 3 && form.GeoSearch && !byRadius)
            {
                if (!Numbers.TryParseDouble(a[i + 1], out width)) throw new CommandError("ERR need numeric width");
                if (!Numbers.TryParseDouble(a[i + 2], out height)) throw new CommandError("ERR need numeric height");
                if (width < 0 || height < 0) throw new CommandError("ERR height or width cannot be negative");
                unit = GeoCommands.Unit(a[i + 3]);
                byBox = true;
                i += 3;
            }
            else throw CommandError.Syntax();
        }
        if (destination != null && (withDist || withHash || withCoord))
            throw new CommandError($"ERR {(form.Destination > 0 ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS")} is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
        if (form.GeoSearch && !(fromMember || fromLonLat))
            throw new CommandError($"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {a.Text(0)}");
        if (form.GeoSearch && !(byRadius || byBox))
            throw new CommandError($"ERR exactly one of BYRADIUS and BYBOX can be specified for {a.Text(0)}");
        if (any && count == 0) throw new CommandError("ERR the ANY argument requires COUNT argument");
        return new GeoQuery
        {
            Shape = new GeoShape(lon, lat, byRadius, radius, width, height, unit),
            WithDistance = withDist,
            WithHash = withHash,
            WithCoordinates = withCoord,
            StoreDistance = storeDist,
            Destination = destination,
            Sort = count != 0 && sort == 0 && !any ? 1 : sort, // the closest N need sorting
            Count = count,
            Any = any,
        };
    }
}
