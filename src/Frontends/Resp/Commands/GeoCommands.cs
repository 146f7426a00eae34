using System.Globalization;
using HyperCache.Frontends.Resp.Geo;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Values;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// GEOADD, GEOPOS, GEODIST, GEOHASH, GEOSEARCH, GEOSEARCHSTORE and GEORADIUS[BYMEMBER][_RO], as Redis 7.0's geo.c:
/// points are sorted-set members whose score is their 52-bit geohash (<see cref="GeoHash"/>), so every sorted-set
/// command works on them too. Searches read the nine cells around the centre (<see cref="GeoShape"/>) and keep the
/// points inside the circle or box.
/// </summary>
public static class GeoCommands
{
    private const CommandFlags W = CommandFlags.Write, R = CommandFlags.ReadOnly;

    public static void Register(CommandTable t)
    {
        t.Key("geoadd", -5, W, Add);
        t.Key("geopos", -2, R, Position);
        t.Key("geodist", -4, R, Distance);
        t.Key("geohash", -2, R, Hash);
        t.Key("geosearch", -7, R, (c, a, r) => Search(c, a, r, new Form(Source: 1, Base: 2, GeoSearch: true)));
        t.Add("geosearchstore", -8, W, (c, a, r) => Search(c, a, r, new Form(Source: 2, Base: 3, GeoSearch: true, Destination: 1)), 1, 2, 1);
        t.Key("georadius", -6, W, (c, a, r) => Search(c, a, r, new Form(Source: 1, Base: 6, FromLonLat: true, CanStore: true)));
        t.Key("georadius_ro", -6, R, (c, a, r) => Search(c, a, r, new Form(Source: 1, Base: 6, FromLonLat: true)));
        t.Key("georadiusbymember", -5, W, (c, a, r) => Search(c, a, r, new Form(Source: 1, Base: 5, CanStore: true)));
        t.Key("georadiusbymember_ro", -5, R, (c, a, r) => Search(c, a, r, new Form(Source: 1, Base: 5)));
    }

    /// <summary>Where a search command's arguments are: the source key, the first optional argument, and for the
    /// GEORADIUS forms the fixed centre (lon lat or member) and radius before it.</summary>
    private sealed record Form(int Source, int Base, bool GeoSearch = false, int Destination = 0, bool FromLonLat = false, bool CanStore = false);

    private static void Add(RespClient c, CommandArgs a, RespWriter r)
    {
        int first = 2;
        bool nx = false, xx = false, ch = false;
        for (; first < a.Count; first++)
        {
            if (a.Is(first, "NX"u8)) nx = true;
            else if (a.Is(first, "XX"u8)) xx = true;
            else if (a.Is(first, "CH"u8)) ch = true;
            else break;
        }
        int n = (a.Count - first) / 3;
        if ((a.Count - first) % 3 != 0 || (nx && xx) || n == 0) throw CommandError.Syntax();
        Span<double> scores = n <= 64 ? stackalloc double[n] : new double[n];
        for (int i = 0; i < n; i++)
        {
            var (lon, lat) = Point(a, first + 3 * i);
            scores[i] = GeoHash.Score(lon, lat);
        }
        var flags = (nx ? ZAddFlags.IfNotExists : 0) | (xx ? ZAddFlags.IfExists : 0) | (ch ? ZAddFlags.Changed : 0);
        r.Integer(c.Store.SortedSetAdd(c.Session, a[1], flags, new Members(a, first + 2), 0, scores).Count);
    }

    /// <summary>The members of GEOADD's triples where SortedSetAdd reads them (after each score: index 2i + 1).</summary>
    private readonly ref struct Members(CommandArgs args, int firstMember) : IKeyList
    {
        private readonly CommandArgs _args = args;
        public int Count => 2 * ((_args.Count - firstMember) / 3 + 1);
        public ReadOnlySpan<byte> this[int index] => _args[firstMember + 3 * (index / 2)];
    }

    private static (double Lon, double Lat) Point(CommandArgs a, int at)
    {
        double lon = ArgParse.Double(a[at]), lat = ArgParse.Double(a[at + 1]);
        if (!GeoHash.ValidPoint(lon, lat))
            throw new CommandError(string.Create(CultureInfo.InvariantCulture, $"ERR invalid longitude,latitude pair {lon:F6},{lat:F6}"));
        return (lon, lat);
    }

    private static void Position(RespClient c, CommandArgs a, RespWriter r)
    {
        var scores = c.Store.SortedSetScores(c.Session, a[1], a, 2);
        r.ArrayHeader(scores.Length);
        foreach (var score in scores)
        {
            if (score is not { } s)
            {
                r.NullArray();
                continue;
            }
            var (lon, lat) = GeoHash.PointOf(s);
            r.ArrayHeader(2);
            Coordinate(r, lon);
            Coordinate(r, lat);
        }
    }

    private static void Distance(RespClient c, CommandArgs a, RespWriter r)
    {
        double unit = 1;
        if (a.Count == 5) unit = Unit(a[4]);
        else if (a.Count > 5) throw CommandError.Syntax();
        var scores = c.Store.SortedSetScores(c.Session, a[1], a, 2);
        if (scores[0] is not { } first || scores[1] is not { } second)
        {
            r.NullBulk();
            return;
        }
        var (lon1, lat1) = GeoHash.PointOf(first);
        var (lon2, lat2) = GeoHash.PointOf(second);
        Meters(r, GeoHash.Distance(lon1, lat1, lon2, lat2) / unit);
    }

    private static void Hash(RespClient c, CommandArgs a, RespWriter r)
    {
        var scores = c.Store.SortedSetScores(c.Session, a[1], a, 2);
        r.ArrayHeader(scores.Length);
        foreach (var score in scores)
        {
            if (score is { } s) r.Bulk(GeoHash.Standard(s));
            else r.NullBulk();
        }
    }

    private static void Search(RespClient c, CommandArgs a, RespWriter r, Form form)
    {
        var source = a[form.Source];
        // In Redis's order: the source's type first; a member centre is looked up only when the source exists (a
        // missing source answers empty, whatever the member and, for GEORADIUSBYMEMBER, the radius).
        bool exists = c.Store.SortedSetCard(c.Session, source) > 0;
        double lon = 0, lat = 0, radius = 0, width = 0, height = 0, unit = 1;
        bool fromMember = false, fromLonLat = false, byRadius = false, byBox = false;
        if (!form.GeoSearch)
        {
            // GEORADIUS key lon lat radius unit / GEORADIUSBYMEMBER key member radius unit
            if (form.FromLonLat) (lon, lat) = Point(a, 2);
            else if (exists) (lon, lat) = MemberPoint(c, source, a[2]);
            (fromLonLat, fromMember) = (form.FromLonLat, !form.FromLonLat);
            if (form.FromLonLat || exists) (radius, unit) = Radius(a, form.Base - 2);
            byRadius = true;
        }
        bool withDist = false, withHash = false, withCoord = false, any = false, storeDist = false;
        int sort = 0; // 0 none, 1 ascending, -1 descending
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
                if (exists) (lon, lat) = MemberPoint(c, source, a[i]);
                fromMember = true;
            }
            else if (a.Is(i, "FROMLONLAT"u8) && left >= 2 && form.GeoSearch && !fromMember)
            {
                (lon, lat) = Point(a, i + 1);
                fromLonLat = true;
                i += 2;
            }
            else if (a.Is(i, "BYRADIUS"u8) && left >= 2 && form.GeoSearch && !byBox)
            {
                (radius, unit) = Radius(a, i + 1);
                byRadius = true;
                i += 2;
            }
            else if (a.Is(i, "BYBOX"u8) && left >= 3 && form.GeoSearch && !byRadius)
            {
                if (!Numbers.TryParseDouble(a[i + 1], out width)) throw new CommandError("ERR need numeric width");
                if (!Numbers.TryParseDouble(a[i + 2], out height)) throw new CommandError("ERR need numeric height");
                if (width < 0 || height < 0) throw new CommandError("ERR height or width cannot be negative");
                unit = Unit(a[i + 3]);
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
        if (count != 0 && sort == 0 && !any) sort = 1; // the closest N need sorting
        var shape = new GeoShape(lon, lat, byRadius, radius, width, height, unit);
        long limit = any ? count : 0;
        List<GeoPoint> Select(List<ScoredMember> candidates)
        {
            var found = new List<GeoPoint>();
            foreach (var candidate in candidates)
            {
                if (limit > 0 && found.Count >= limit) break;
                if (shape.Contains(candidate.Score, out var point, candidate.Member)) found.Add(point);
            }
            if (sort != 0)
            {
                var ordered = found.OrderBy(p => p.Distance).ToList(); // stable: equal distances keep scan order
                if (sort < 0) ordered.Reverse();
                found = ordered;
            }
            if (count > 0 && found.Count > count) found.RemoveRange((int)count, found.Count - (int)count);
            return found;
        }
        var result = c.Store.SortedSetScoreRanges(c.Session, source, shape.Cells(), Select, destination,
            p => new ScoredMember(p.Member, storeDist ? p.Distance / unit : p.Score));
        if (destination != null)
        {
            r.Integer(result?.Count ?? 0);
            return;
        }
        if (result is null)
        {
            r.EmptyArray();
            return;
        }
        int options = (withDist ? 1 : 0) + (withHash ? 1 : 0) + (withCoord ? 1 : 0);
        r.ArrayHeader(result.Count);
        foreach (var point in result)
        {
            if (options > 0) r.ArrayHeader(options + 1);
            r.Bulk(point.Member);
            if (withDist) Meters(r, point.Distance / unit);
            if (withHash) r.Integer((long)point.Score);
            if (withCoord)
            {
                r.ArrayHeader(2);
                Coordinate(r, point.Lon);
                Coordinate(r, point.Lat);
            }
        }
    }

    private static (double Lon, double Lat) MemberPoint(RespClient c, ReadOnlySpan<byte> key, ReadOnlySpan<byte> member)
        => c.Store.SortedSetScore(c.Session, key, member) is { } score
            ? GeoHash.PointOf(score)
            : throw new CommandError("ERR could not decode requested zset member");

    private static (double Radius, double Unit) Radius(CommandArgs a, int at)
    {
        if (!Numbers.TryParseDouble(a[at], out double radius)) throw new CommandError("ERR need numeric radius");
        if (radius < 0) throw new CommandError("ERR radius cannot be negative");
        return (radius, Unit(a[at + 1]));
    }

    private static double Unit(ReadOnlySpan<byte> unit)
    {
        if (System.Text.Ascii.EqualsIgnoreCase(unit, "m"u8)) return 1;
        if (System.Text.Ascii.EqualsIgnoreCase(unit, "km"u8)) return 1000;
        if (System.Text.Ascii.EqualsIgnoreCase(unit, "ft"u8)) return 0.3048;
        if (System.Text.Ascii.EqualsIgnoreCase(unit, "mi"u8)) return 1609.34;
        throw new CommandError("ERR unsupported unit provided. please use M, KM, FT, MI");
    }

    /// <summary>A distance as Redis writes it: four decimals, as a bulk string.</summary>
    private static void Meters(RespWriter r, double distance) => r.Bulk(distance.ToString("F4", CultureInfo.InvariantCulture));

    /// <summary>A coordinate as Redis's "human" long double: 17 decimals, trailing zeros removed (RESP3: a double).</summary>
    private static void Coordinate(RespWriter r, double value)
    {
        string text = value.ToString("F17", CultureInfo.InvariantCulture);
        if (text.Contains('.')) text = text.TrimEnd('0').TrimEnd('.');
        if (text == "-0") text = "0";
        r.Double(text);
    }
}
