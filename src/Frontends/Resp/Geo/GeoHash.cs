namespace HyperCache.Frontends.Resp.Geo;

/// <summary>A geohash cell: its interleaved bits and how many bits per coordinate (step).</summary>
public readonly record struct GeoCell(ulong Bits, int Step)
{
    public bool IsZero => Bits == 0 && Step == 0;

    /// <summary>The cell's scores in the sorted set: [Min, Max) of 52-bit aligned hashes.</summary>
    public (double Min, double Max) Scores => ((double)(Bits << (52 - Step * 2)), (double)((Bits + 1) << (52 - Step * 2)));
}

/// <summary>A cell's extent in degrees.</summary>
public readonly record struct GeoArea(double LonMin, double LonMax, double LatMin, double LatMax);

/// <summary>
/// Redis's geohash, bit for bit (geohash.c and geohash_helper.c): a point is a 52-bit score, latitude in the even
/// bits and longitude in the odd ones, over Redis's Web-Mercator latitude limits; a point reads back as its cell's
/// centre; distances are haversine on Redis's earth radius. The same arithmetic in the same order gives the same
/// doubles, so GEOPOS, GEODIST and GEOHASH answer what redis-server answers.
/// </summary>
public static class GeoHash
{
    public const double LatMin = -85.05112878, LatMax = 85.05112878, LonMin = -180, LonMax = 180;
    public const int MaxStep = 26;
    public const double EarthRadius = 6372797.560856;
    private const double MercatorMax = 20037726.37;
    private const double DegToRad = Math.PI / 180.0;

    public static bool ValidPoint(double lon, double lat) => lon >= LonMin && lon <= LonMax && lat >= LatMin && lat <= LatMax;

    /// <summary>The cell of <paramref name="step"/> bits per coordinate holding the point, over the given ranges.</summary>
    public static GeoCell Encode(double lon, double lat, int step = MaxStep, double latMin = LatMin, double latMax = LatMax)
    {
        double latOffset = (lat - latMin) / (latMax - latMin);
        double lonOffset = (lon - LonMin) / (LonMax - LonMin);
        latOffset *= 1UL << step;
        lonOffset *= 1UL << step;
        return new GeoCell(Interleave((uint)latOffset, (uint)lonOffset), step);
    }

    public static GeoArea Decode(GeoCell cell, double latMin = LatMin, double latMax = LatMax)
    {
        ulong separated = Deinterleave(cell.Bits);
        double latScale = latMax - latMin, lonScale = LonMax - LonMin;
        uint latBits = (uint)separated, lonBits = (uint)(separated >> 32);
        double cells = 1UL << cell.Step;
        return new GeoArea(
            LonMin + lonBits * 1.0 / cells * lonScale, LonMin + (lonBits + 1) * 1.0 / cells * lonScale,
            latMin + latBits * 1.0 / cells * latScale, latMin + (latBits + 1) * 1.0 / cells * latScale);
    }

    /// <summary>The point a score stands for: its cell's centre, kept within the valid ranges.</summary>
    public static (double Lon, double Lat) PointOf(double score)
    {
        var area = Decode(new GeoCell((ulong)score, MaxStep));
        double lon = Math.Clamp((area.LonMin + area.LonMax) / 2, LonMin, LonMax);
        double lat = Math.Clamp((area.LatMin + area.LatMax) / 2, LatMin, LatMax);
        return (lon, lat);
    }

    public static double Score(double lon, double lat) => Encode(lon, lat).Bits;

    public const int StandardLength = 11;

    /// <summary>GEOHASH's 11 characters, written into <paramref name="text"/>: the standard geohash (latitude over
    /// -90..90) of the stored point.</summary>
    public static void Standard(double score, Span<byte> text)
    {
        var alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"u8;
        var (lon, lat) = PointOf(score);
        ulong bits = Encode(lon, lat, MaxStep, -90, 90).Bits;
        for (int i = 0; i < StandardLength; i++)
            text[i] = alphabet[i == 10 ? 0 : (int)((bits >> (52 - (i + 1) * 5)) & 0x1f)]; // 52 bits: the 11th is 0
    }

    public static double Distance(double lon1, double lat1, double lon2, double lat2)
    {
        double lon1r = lon1 * DegToRad, lon2r = lon2 * DegToRad;
        double v = Math.Sin((lon2r - lon1r) / 2);
        if (v == 0.0) return LatDistance(lat1, lat2); // same meridian: no need for the rest
        double lat1r = lat1 * DegToRad, lat2r = lat2 * DegToRad;
        double u = Math.Sin((lat2r - lat1r) / 2);
        double a = u * u + Math.Cos(lat1r) * Math.Cos(lat2r) * v * v;
        return 2.0 * EarthRadius * Math.Asin(Math.Sqrt(a));
    }

    public static double LatDistance(double lat1, double lat2) => EarthRadius * Math.Abs(lat2 * DegToRad - lat1 * DegToRad);

    /// <summary>Bits per coordinate whose cell is about the size of <paramref name="meters"/> at this latitude.</summary>
    public static int StepsForRadius(double meters, double lat)
    {
        if (meters == 0) return MaxStep;
        int step = 1;
        while (meters < MercatorMax)
        {
            meters *= 2;
            step++;
        }
        step -= 2; // so that the radius fits in most cases
        if (lat > 66 || lat < -66)
        {
            step--; // cells narrow towards the poles
            if (lat > 80 || lat < -80) step--;
        }
        return Math.Clamp(step, 1, MaxStep);
    }

    /// <summary>The cell moved by <paramref name="dx"/> cells east (longitude, odd bits) and <paramref name="dy"/>
    /// north (latitude, even bits), wrapping within its step.</summary>
    public static GeoCell Move(GeoCell cell, int dx, int dy)
    {
        ulong bits = cell.Bits;
        int shift = 64 - cell.Step * 2;
        if (dx != 0) bits = MoveAlong(bits, 0xaaaaaaaaaaaaaaaaUL, dx, shift);
        if (dy != 0) bits = MoveAlong(bits, 0x5555555555555555UL, dy, shift);
        return cell with { Bits = bits };
    }

    /// <summary>One cell along the axis whose bits <paramref name="axis"/> selects, the other axis's bits left as
    /// they are: filling the other axis's bits with ones makes the carry (or borrow) skip over them.</summary>
    private static ulong MoveAlong(ulong bits, ulong axis, int delta, int shift)
    {
        ulong along = bits & axis, zz = ~axis >> shift;
        along = delta > 0 ? along + (zz + 1) : (along | zz) - (zz + 1);
        return (along & (axis >> shift)) | (bits & ~axis);
    }

    private static ulong Interleave(uint xlo, uint ylo)
    {
        ulong x = Spread(xlo), y = Spread(ylo);
        return x | (y << 1);
    }

    private static ulong Spread(ulong v)
    {
        v = (v | (v << 16)) & 0x0000FFFF0000FFFFUL;
        v = (v | (v << 8)) & 0x00FF00FF00FF00FFUL;
        v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0FUL;
        v = (v | (v << 2)) & 0x3333333333333333UL;
        v = (v | (v << 1)) & 0x5555555555555555UL;
        return v;
    }

    /// <summary>The even bits into the low half, the odd bits into the high half.</summary>
    private static ulong Deinterleave(ulong interleaved) => Squash(interleaved) | (Squash(interleaved >> 1) << 32);

    private static ulong Squash(ulong v)
    {
        v &= 0x5555555555555555UL;
        v = (v | (v >> 1)) & 0x3333333333333333UL;
        v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0FUL;
        v = (v | (v >> 4)) & 0x00FF00FF00FF00FFUL;
        v = (v | (v >> 8)) & 0x0000FFFF0000FFFFUL;
        v = (v | (v >> 16)) & 0x00000000FFFFFFFFUL;
        return v;
    }
}
