using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>GEO commands as Redis 7.0 answers them, byte for byte (the expected replies were taken from redis-server
/// 7.0.15, and the tests pass against it too): scores are Redis's 52-bit geohashes, positions read back as their
/// cell's centre with 17 decimals, distances with 4, searches by radius and box, sorted or in scan order, COUNT and
/// ANY, STORE and STOREDIST, and the errors.</summary>
[Collection(ServerCollection.Name)]
public sealed class GeoTests(NodeFixture node) : E2ETest(node)
{
    private string Sicily => K("sicily");

    private void AddSicily()
    {
        Expect(Resp.Int(2), "GEOADD", Sicily, "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania");
        Expect(Resp.Int(2), "GEOADD", Sicily, "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2");
    }

    private static string Point(string lon, string lat) => Resp.BulkArray(lon, lat);

    [Fact]
    public void Points_are_geohash_scores_that_read_back_as_redis_prints_them()
    {
        AddSicily();
        Expect(Resp.Bulk("3479099956230698"), "ZSCORE", Sicily, "Palermo");
        Expect(Resp.Array(Point("13.36138933897018433", "38.11555639549629859"), Point("15.08726745843887329", "37.50266842333162032"), "*-1\r\n"),
            "GEOPOS", Sicily, "Palermo", "Catania", "nowhere");
        Expect(Resp.Bulk("166274.1516"), "GEODIST", Sicily, "Palermo", "Catania");
        Expect(Resp.Bulk("166.2742"), "GEODIST", Sicily, "Palermo", "Catania", "km");
        Expect(Resp.Bulk("103.3182"), "GEODIST", Sicily, "Palermo", "Catania", "MI");
        Expect(Resp.Bulk("545518.8700"), "GEODIST", Sicily, "Palermo", "Catania", "ft");
        Expect(Resp.Nil, "GEODIST", Sicily, "Palermo", "nowhere");
        Expect(Resp.BulkArray("sqc8b49rny0", "sqdtr74hyu0", null), "GEOHASH", Sicily, "Palermo", "Catania", "nowhere");
        Expect(Resp.Int(2), "GEOADD", Sicily, "0.00001", "0.00002", "tiny", "-179.9", "-85.05", "far");
        Expect(Resp.Array(Point("0.00000804662704468", "0.00001901040869967"), Point("-179.89999920129776001", "-85.04999956172352427")),
            "GEOPOS", Sicily, "tiny", "far");
        Expect(Resp.Int(0), "GEOADD", Sicily, "NX", "1", "1", "Palermo");
        Expect(Resp.Int(1), "GEOADD", Sicily, "XX", "CH", "13.361389", "38.115556", "tiny");
    }

    [Fact]
    public void Searches_by_radius_and_box_sorted_or_in_scan_order()
    {
        AddSicily();
        Expect(Resp.Array(Resp.BulkArray("Palermo", "190.4424"), Resp.BulkArray("Catania", "56.4413")),
            "GEORADIUS", Sicily, "15", "37", "200", "km", "WITHDIST");
        Expect(Resp.Array(
                Resp.Array(Resp.Bulk("Catania"), Resp.Bulk("56.4413"), Resp.Int(3479447370796909), Point("15.08726745843887329", "37.50266842333162032")),
                Resp.Array(Resp.Bulk("Palermo"), Resp.Bulk("190.4424"), Resp.Int(3479099956230698), Point("13.36138933897018433", "38.11555639549629859"))),
            "GEORADIUS", Sicily, "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH", "ASC");
        Expect(Resp.BulkArray("Catania"), "GEORADIUS", Sicily, "15", "37", "200", "km", "COUNT", "1");
        Expect(Resp.BulkArray("edge1", "edge2", "Palermo", "Catania"), "GEORADIUS", Sicily, "15", "37", "400", "km", "DESC");
        Expect(Resp.Array(Resp.BulkArray("Palermo", "0.0000"), Resp.BulkArray("edge1", "91.4007"), Resp.BulkArray("Catania", "166.2742")),
            "GEORADIUSBYMEMBER", Sicily, "Palermo", "300", "km", "ASC", "WITHDIST");
        Expect(Resp.BulkArray("Catania", "Palermo", "edge2", "edge1"), "GEOSEARCH", Sicily, "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "ASC");
        Expect(Resp.Array(Resp.BulkArray("edge2", "346.1273"), Resp.BulkArray("Catania", "166.2742"), Resp.BulkArray("edge1", "91.4007"), Resp.BulkArray("Palermo", "0.0000")),
            "GEOSEARCH", Sicily, "FROMMEMBER", "Palermo", "BYBOX", "1000", "1000", "km", "DESC", "WITHDIST");
        Expect(Resp.BulkArray("Palermo"), "GEOSEARCH", Sicily, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "1", "ANY");
        Expect(Resp.EmptyArray, "GEOSEARCH", K("none"), "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km");
        Expect(Resp.EmptyArray, "GEOSEARCH", Sicily, "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m");
    }

    [Fact]
    public void Store_and_storedist_write_a_sorted_set()
    {
        AddSicily();
        Expect(Resp.Int(2), "GEOSEARCHSTORE", K("dst"), Sicily, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "COUNT", "3", "STOREDIST");
        Expect(Resp.BulkArray("Catania", "56.441257870158204", "Palermo", "190.44242984775784"), "ZRANGE", K("dst"), "0", "-1", "WITHSCORES");
        Expect(Resp.Int(2), "GEORADIUS", Sicily, "15", "37", "200", "km", "STORE", K("dst2"));
        Expect(Resp.BulkArray("Palermo", "3479099956230698", "Catania", "3479447370796909"), "ZRANGE", K("dst2"), "0", "-1", "WITHSCORES");
        Expect(Resp.Int(0), "GEOSEARCHSTORE", K("dst"), K("none"), "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km");
        Expect(Resp.Int(0), "EXISTS", K("dst"));
    }

    [Fact]
    public void Bad_input_gets_redis_errors()
    {
        AddSicily();
        Expect(Resp.Err("ERR invalid longitude,latitude pair 200.000000,10.000000"), "GEOADD", Sicily, "200", "10", "bad");
        Expect(Resp.NotFloat, "GEOADD", Sicily, "10", "x", "bad");
        Expect(Resp.SyntaxError, "GEOADD", Sicily, "NX", "XX", "1", "1", "a");
        Expect(Resp.WrongArity("geoadd"), "GEOADD", Sicily, "1", "1");
        Expect(Resp.Err("ERR unsupported unit provided. please use M, KM, FT, MI"), "GEODIST", Sicily, "Palermo", "Catania", "yd");
        Expect(Resp.Err("ERR could not decode requested zset member"), "GEORADIUSBYMEMBER", Sicily, "nowhere", "300", "km");
        Expect(Resp.Err("ERR the ANY argument requires COUNT argument"), "GEOSEARCH", Sicily, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ANY");
        Expect(Resp.Err("ERR COUNT must be > 0"), "GEOSEARCH", Sicily, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "0");
        Expect(Resp.Err("ERR radius cannot be negative"), "GEOSEARCH", Sicily, "FROMLONLAT", "15", "37", "BYRADIUS", "-1", "km");
        Expect(Resp.Err("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"),
            "GEOSEARCHSTORE", K("dst"), Sicily, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHDIST");
        Expect(Resp.Err("ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH"),
            "GEOSEARCH", Sicily, "FROMLONLAT", "15", "37", "ASC", "WITHDIST");
        Expect(Resp.SyntaxError, "GEOSEARCH", Sicily, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "BYBOX", "1", "1", "km");
        Cmd("SET", K("str"), "v");
        Expect(Resp.WrongType, "GEOPOS", K("str"), "a");
    }
}
