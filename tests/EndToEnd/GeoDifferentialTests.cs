using System.Globalization;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Differential: random GEO commands (points all over the valid range and near its edges, searches by radius and
/// box from a point or a member, every option) sent to this node and to redis-server; replies byte for byte (scan
/// order included) and the final key space must match.
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class GeoDifferentialTests(NodeFixture node) : DifferentialTest(node)
{
    [RedisServerFact]
    public Task Random_geo_commands_reply_as_redis_server_does() => RunAsync(20261126, 3000, Next);

    [RedisServerFact]
    public Task Random_geo_commands_reply_as_redis_server_does_second_seed() => RunAsync(7, 3000, Next);

    [RedisServerFact]
    public Task Random_geo_commands_reply_as_redis_server_does_in_resp3() => RunAsync(41, 1500, Next, resp3: true);

    private static string Num(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>Mostly around Sicily (so searches find things), sometimes anywhere, sometimes out of range.</summary>
    private static (string Lon, string Lat) Coordinates(Random random) => random.Next(10) switch
    {
        0 => (Num(random.NextDouble() * 360 - 180), Num(random.NextDouble() * 170.1 - 85.05)),
        1 => (Pick(random, "180", "-180", "181", "0", "x"), Pick(random, "85.05112878", "-85.05112878", "85.06", "0", "nan")),
        _ => (Num(12 + random.NextDouble() * 6), Num(36 + random.NextDouble() * 4)),
    };

    private static string Member(Random random) => "p" + random.Next(40);

    private static string Unit(Random random) => Pick(random, "m", "km", "km", "mi", "ft", "KM", "yd");

    private static string Size(Random random) => random.Next(8) == 0 ? Pick(random, "0", "-1", "x", "20000") : Num(random.NextDouble() * 400);

    private static string[] Options(Random random, bool store)
    {
        var a = new List<string>();
        if (!store)
            foreach (var with in new[] { "WITHDIST", "WITHCOORD", "WITHHASH" })
                if (random.Next(3) == 0) a.Add(with);
        if (random.Next(2) == 0) a.Add(Pick(random, "ASC", "DESC"));
        if (random.Next(3) == 0)
        {
            a.AddRange(["COUNT", random.Next(4) == 0 ? "0" : random.Next(1, 6).ToString(CultureInfo.InvariantCulture)]);
            if (random.Next(3) == 0) a.Add("ANY");
        }
        return [.. a];
    }

    private Step Next(Random random)
    {
        var key = Key(random, 3);
        switch (random.Next(12))
        {
            case 0: case 1: case 2:
            {
                List<string> a = ["GEOADD", key];
                if (random.Next(5) == 0) a.Add(Pick(random, "NX", "XX", "CH"));
                for (int n = random.Next(1, 4); n > 0; n--)
                {
                    var (lon, lat) = Coordinates(random);
                    a.AddRange([lon, lat, Member(random)]);
                }
                return new([.. a]);
            }
            case 3: return new(["GEOPOS", key, Member(random), Member(random)]);
            case 4: return new(random.Next(2) == 0 ? ["GEODIST", key, Member(random), Member(random)] : ["GEODIST", key, Member(random), Member(random), Unit(random)]);
            case 5: return new(["GEOHASH", key, Member(random), Member(random)]);
            case 6: case 7: case 8:
            {
                List<string> a = ["GEOSEARCH", key];
                if (random.Next(3) == 0) a.AddRange(["FROMMEMBER", Member(random)]);
                else
                {
                    var (lon, lat) = Coordinates(random);
                    a.AddRange(["FROMLONLAT", lon, lat]);
                }
                if (random.Next(2) == 0) a.AddRange(["BYRADIUS", Size(random), Unit(random)]);
                else a.AddRange(["BYBOX", Size(random), Size(random), Unit(random)]);
                a.AddRange(Options(random, store: false));
                return new([.. a]);
            }
            case 9:
            {
                var (lon, lat) = Coordinates(random);
                return new(["GEORADIUS", key, lon, lat, Size(random), Unit(random), .. Options(random, store: false)]);
            }
            case 10: return new(["GEORADIUSBYMEMBER", key, Member(random), Size(random), Unit(random), .. Options(random, store: false)]);
            default:
            {
                var (lon, lat) = Coordinates(random);
                List<string> a = ["GEOSEARCHSTORE", "k9", key, "FROMLONLAT", lon, lat, "BYRADIUS", Size(random), Unit(random), .. Options(random, store: true)];
                if (random.Next(2) == 0) a.Add("STOREDIST");
                return new([.. a]);
            }
        }
    }
}
