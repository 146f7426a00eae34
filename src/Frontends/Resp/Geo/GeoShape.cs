namespace HyperCache.Frontends.Resp.Geo;

/// <summary>A found point: member, its stored score, where that score reads back, and its distance from the centre
/// (meters).</summary>
public readonly record struct GeoPoint(byte[] Member, double Score, double Lon, double Lat, double Distance);

/// <summary>
/// A search area: a circle (BYRADIUS) or a box (BYBOX) around a centre, sizes in the unit given
/// (<see cref="Conversion"/> meters each). <see cref="Cells"/> is Redis's covering (geohashCalculateAreasByShapeWGS84):
/// the centre's cell at a step about the search's size, and its eight neighbours, less those outside the area;
/// <see cref="Contains"/> then keeps the points truly inside.
/// </summary>
public sealed record GeoShape(double Lon, double Lat, bool Circle, double Radius, double Width, double Height, double Conversion)
{
    private const double DegToRad = Math.PI / 180.0; // Redis's D_R: radians = degrees * D_R, degrees = radians / D_R

    /// <summary>The score ranges to read, in Redis's order: centre, N, S, E, W, NE, NW, SE, SW.</summary>
    public (double Min, double Max)[] Cells()
    {
        var (minLon, minLat, maxLon, maxLat) = BoundingBox();
        double radius = (Circle ? Radius : Math.Sqrt(Width / 2 * (Width / 2) + Height / 2 * (Height / 2))) * Conversion;
        int steps = GeoHash.StepsForRadius(radius, Lat);
        var (centre, neighbours) = Around(steps);
        // Near the edge of its cell the step may be too fine for a neighbour to reach the area's edge: one coarser.
        var area = GeoHash.Decode(centre);
        if (steps > 1 && (GeoHash.Decode(neighbours[0]).LatMax < maxLat || GeoHash.Decode(neighbours[1]).LatMin > minLat
            || GeoHash.Decode(neighbours[2]).LonMax < maxLon || GeoHash.Decode(neighbours[3]).LonMin > minLon))
        {
            steps--;
            (centre, neighbours) = Around(steps);
            area = GeoHash.Decode(centre);
        }
        if (steps >= 2)
        {
            // Neighbours on a side the area does not reach are not read.
            if (area.LatMin < minLat) Zero(neighbours, 1, 7, 6);   // S, SE, SW
            if (area.LatMax > maxLat) Zero(neighbours, 0, 4, 5);   // N, NE, NW
            if (area.LonMin < minLon) Zero(neighbours, 3, 5, 7);   // W, NW, SW
            if (area.LonMax > maxLon) Zero(neighbours, 2, 6, 4);   // E, SE, NE
        }
        var ranges = new List<(double, double)> { centre.Scores };
        foreach (var cell in neighbours)
            if (!cell.IsZero) ranges.Add(cell.Scores);
        return [.. ranges];
    }

    /// <summary>Whether the point of <paramref name="score"/> is inside; its distance from the centre when it is.</summary>
    public bool Contains(double score, out GeoPoint point, byte[] member)
    {
        var (lon, lat) = GeoHash.PointOf(score);
        point = default;
        double distance;
        if (Circle)
        {
            distance = GeoHash.Distance(Lon, Lat, lon, lat);
            if (distance > Radius * Conversion) return false;
        }
        else
        {
            // The latitude distance is cheaper: checked first, as Redis does.
            if (GeoHash.LatDistance(lat, Lat) > Height * Conversion / 2) return false;
            if (GeoHash.Distance(lon, lat, Lon, lat) > Width * Conversion / 2) return false;
            distance = GeoHash.Distance(Lon, Lat, lon, lat);
        }
        point = new GeoPoint(member, score, lon, lat, distance);
        return true;
    }

    private (double MinLon, double MinLat, double MaxLon, double MaxLat) BoundingBox()
    {
        double height = Conversion * (Circle ? Radius : Height / 2);
        double width = Conversion * (Circle ? Radius : Width / 2);
        double latDelta = height / GeoHash.EarthRadius / DegToRad;
        double lonDeltaTop = width / GeoHash.EarthRadius / Math.Cos((Lat + latDelta) * DegToRad) / DegToRad;
        double lonDeltaBottom = width / GeoHash.EarthRadius / Math.Cos((Lat - latDelta) * DegToRad) / DegToRad;
        bool south = Lat < 0; // the hemispheres widen towards opposite edges
        return (south ? Lon - lonDeltaBottom : Lon - lonDeltaTop, Lat - latDelta,
                south ? Lon + lonDeltaBottom : Lon + lonDeltaTop, Lat + latDelta);
    }

    /// <summary>The centre's cell and its neighbours: N, S, E, W, NE, NW, SE, SW.</summary>
    private (GeoCell Centre, GeoCell[] Neighbours) Around(int steps)
    {
        var centre = GeoHash.Encode(Lon, Lat, steps);
        return (centre,
        [
            GeoHash.Move(centre, 0, 1), GeoHash.Move(centre, 0, -1), GeoHash.Move(centre, 1, 0), GeoHash.Move(centre, -1, 0),
            GeoHash.Move(centre, 1, 1), GeoHash.Move(centre, -1, 1), GeoHash.Move(centre, 1, -1), GeoHash.Move(centre, -1, -1),
        ]);
    }

    private static void Zero(GeoCell[] cells, params int[] which)
    {
        foreach (int i in which) cells[i] = default;
    }
}
