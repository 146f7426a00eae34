namespace HyperCache.Bench.HitRatio;

/// <summary>
/// Exact LRU over a cache of a fixed number of keys, replayed client-side: the yardstick the servers' sampled
/// policies are read against (same trace, capacity in keys rather than bytes).
/// </summary>
public static class LruSimulator
{
    public static (long Hits, long ZipfHits, long WarmHits) Run(int[] trace, int keys, int capacity)
    {
        int ids = 0;
        foreach (int id in trace) ids = Math.Max(ids, id + 1);
        // A doubly linked list over key ids (head = most recent); -1 = none. inCache marks membership.
        var prev = new int[ids]; var next = new int[ids]; var inCache = new bool[ids];
        int head = -1, tail = -1, count = 0;
        long hits = 0, zipfHits = 0, warmHits = 0;
        int warmFrom = trace.Length / 2;

        void Unlink(int id)
        {
            if (prev[id] >= 0) next[prev[id]] = next[id]; else head = next[id];
            if (next[id] >= 0) prev[next[id]] = prev[id]; else tail = prev[id];
        }
        void PushFront(int id)
        {
            prev[id] = -1; next[id] = head;
            if (head >= 0) prev[head] = id; else tail = id;
            head = id;
        }

        for (int i = 0; i < trace.Length; i++)
        {
            int id = trace[i];
            if (inCache[id])
            {
                hits++;
                if (id < keys) zipfHits++;
                if (i >= warmFrom) warmHits++;
                Unlink(id);
                PushFront(id);
                continue;
            }
            if (capacity <= 0) continue;
            if (count == capacity) { int victim = tail; Unlink(victim); inCache[victim] = false; count--; }
            PushFront(id); inCache[id] = true; count++;
        }
        return (hits, zipfHits, warmHits);
    }
}
