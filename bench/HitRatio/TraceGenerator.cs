namespace HyperCache.Bench.HitRatio;

/// <summary>
/// Turns a workload and a seed into the exact sequence of key ids to request. Same inputs, same trace: the seed
/// is mixed with the workload's name so the workloads are independent yet reproducible.
/// </summary>
public static class TraceGenerator
{
    /// <summary>A prime larger than any keyspace here, so rank → id by multiplication is a permutation.</summary>
    private const long Spread = 2_147_483_647;

    public static int[] Generate(Workload workload, TraceShape shape)
    {
        var rng = new Rng(shape.Seed ^ Fnv1a(workload.Name));
        var zipf = new ZipfSampler(shape.Keys, workload.Alpha);
        // Hot ranks land on scattered ids, not on key 0, 1, 2...: the keyspace layout must not favour a server.
        long offset = (long)(rng.NextULong() % (ulong)shape.Keys);

        int scans = workload.Scans && shape.ScanEvery > 0 ? shape.Requests / shape.ScanEvery : 0;
        long total = shape.Requests + (long)scans * shape.ScanLength;
        if (total > Array.MaxLength) throw new ArgumentException($"trace of {total} requests is too long");
        var trace = new int[total];
        int at = 0, nextCold = shape.Keys;
        for (int i = 1; i <= shape.Requests; i++)
        {
            trace[at++] = (int)((zipf.Next(rng) * Spread + offset) % shape.Keys);
            if (workload.Scans && shape.ScanEvery > 0 && i % shape.ScanEvery == 0)
                for (int s = 0; s < shape.ScanLength; s++) trace[at++] = nextCold++;
        }
        return trace;
    }

    private static ulong Fnv1a(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in s) { h ^= c; h *= 1099511628211UL; }
        return h;
    }
}
