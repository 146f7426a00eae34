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
    internal sealed record Form(int Source, int Base, bool GeoSearch = false, int Destination = 0, bool FromLonLat = false, bool CanStore = false);

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

    internal static (double Lon, double Lat) Point(CommandArgs a, int at)
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
        Span<byte> text = stackalloc byte[GeoHash.StandardLength];
        foreach (var score in scores)
        {
            if (score is not { } s)
            {
                r.NullBulk();
                continue;
            }
            GeoHash.Standard(s, text);
            r.Bulk(text);
        }
    }

    private static void Search(RespClient c, CommandArgs a, RespWriter r, Form form)
    {
        var query = GeoQuery.Parse(c, a, form);
        var shape = query.Shape;
        var result = c.Store.SortedSetScoreRanges(c.Session, a[form.Source], shape.Cells(), query.Select, query.Destination,
            p => new ScoredMember(p.Member, query.StoreDistance ? p.Distance / shape.Conversion : p.Score),
            form.GeoSearch ? "geosearchstore"u8 : "georadiusstore"u8);
        if (query.Destination != null)
        {
            r.Integer(result?.Count ?? 0);
            return;
        }
        if (result is null)
        {
            r.EmptyArray();
            return;
        }
        int options = (query.WithDistance ? 1 : 0) + (query.WithHash ? 1 : 0) + (query.WithCoordinates ? 1 : 0);
        r.ArrayHeader(result.Count);
        foreach (var point in result)
        {
            if (options > 0) r.ArrayHeader(options + 1);
            r.Bulk(point.Member);
            if (query.WithDistance) Meters(r, point.Distance / shape.Conversion);
            if (query.WithHash) r.Integer((long)point.Score);
            if (query.WithCoordinates)
            {
                r.ArrayHeader(2);
                Coordinate(r, point.Lon);
                Coordinate(r, point.Lat);
            }
        }
    }

    internal static (double Lon, double Lat) MemberPoint(RespClient c, ReadOnlySpan<byte> key, ReadOnlySpan<byte> member)
        => c.Store.SortedSetScore(c.Session, key, member) is { } score
            ? GeoHash.PointOf(score)
            : throw new CommandError("ERR could not decode requested zset member");

    internal static (double Radius, double Unit) Radius(CommandArgs a, int at)
    {
        if (!Numbers.TryParseDouble(a[at], out double radius)) throw new CommandError("ERR need numeric radius");
        if (radius < 0) throw new CommandError("ERR radius cannot be negative");
        return (radius, Unit(a[at + 1]));
    }

    internal static double Unit(ReadOnlySpan<byte> unit)
    {
        if (System.Text.Ascii.EqualsIgnoreCase(unit, "m"u8)) return 1;
        if (System.Text.Ascii.EqualsIgnoreCase(unit, "km"u8)) return 1000;
        if (System.Text.Ascii.EqualsIgnoreCase(unit, "ft"u8)) return 0.3048;
        if (System.Text.Ascii.EqualsIgnoreCase(unit, "mi"u8)) return 1609.34;
        throw new CommandError("ERR unsupported unit provided. please use M, KM, FT, MI");
    }

    /// <summary>A distance as Redis writes it: four decimals, as a bulk string.</summary>
    private static void Meters(RespWriter r, double distance)
    {
        Span<byte> text = stackalloc byte[64];
        if (TryFormatFixed4(distance, text, out int written)
            || distance.TryFormat(text, out written, "F4", CultureInfo.InvariantCulture)) r.Bulk(text[..written]);
        else r.Bulk(distance.ToString("F4", CultureInfo.InvariantCulture)); // past 10^59 meters: never on Earth
    }

    /// <summary>
    /// "%.4f" of a distance below 10^8 from whole ten-thousandths in a long: .NET's "F4" runs Dragon4 in big-integer
    /// arithmetic (a fifth of a GEOSEARCH ... WITHDIST). value * 10^4 is within 1.2e-4 of the exact product there, so
    /// its rounding is the exact value's unless its fraction is within 10^-3 of one half; then (and for negative,
    /// huge or non-finite values) false, and the caller formats it exactly.
    /// </summary>
    internal static bool TryFormatFixed4(double value, Span<byte> destination, out int written)
    {
        written = 0;
        if (!(value >= 0 && value < 1e8)) return false;
        double scaled = value * 10_000, floor = Math.Floor(scaled), fraction = scaled - floor;
        if (Math.Abs(fraction - 0.5) < 1e-3) return false;
        long units = (long)floor + (fraction > 0.5 ? 1 : 0);
        if (!System.Buffers.Text.Utf8Formatter.TryFormat(units / 10_000, destination, out int whole) || destination.Length < whole + 5)
            return false;
        destination[whole] = (byte)'.';
        if (!System.Buffers.Text.Utf8Formatter.TryFormat(units % 10_000, destination[(whole + 1)..], out _, new System.Buffers.StandardFormat('D', 4)))
            return false;
        written = whole + 5;
        return true;
    }

    /// <summary>A coordinate as Redis's "human" long double: 17 decimals, trailing zeros removed (RESP3: a double).</summary>
    private static void Coordinate(RespWriter r, double value)
    {
        string text = value.ToString("F17", CultureInfo.InvariantCulture);
        if (text.Contains('.')) text = text.TrimEnd('0').TrimEnd('.');
        if (text == "-0") text = "0";
        r.Double(text);
    }
}
