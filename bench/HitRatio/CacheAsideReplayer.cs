using StackExchange.Redis;

namespace HyperCache.Bench.HitRatio;

/// <summary>Counts of one replay, taken client-side.</summary>
public sealed record ReplayCounts(long Requests, long Hits, long ZipfRequests, long ZipfHits, long WarmRequests, long WarmHits, long SetErrors, string? FirstSetError);

/// <summary>
/// Replays a trace as a cache-aside client: GET; on a miss, SET a fixed-size value. Requests go in batches of
/// <c>batch</c>: the batch's GETs are pipelined, then one SET per distinct missed key. A batch thus models that
/// many concurrent application requests with request coalescing: a key missed twice in one batch is fetched
/// (SET) once but counted as two misses, exactly as the server counts them, so client and INFO counts agree.
/// </summary>
public sealed class CacheAsideReplayer(IDatabase db, int valueSize, int batch, int keys)
{
    private readonly byte[] _value = Enumerable.Repeat((byte)'v', valueSize).ToArray();

    public async Task<ReplayCounts> RunAsync(int[] trace, DateTime deadline, Action<long>? progress = null)
    {
        long hits = 0, zipfRequests = 0, zipfHits = 0, warmHits = 0, setErrors = 0;
        string? firstSetError = null;
        int warmFrom = trace.Length / 2;
        var gets = new Task<RedisValue>[batch];
        var names = new RedisKey[batch];
        var sets = new List<Task>(batch);
        var missed = new HashSet<int>();

        for (int start = 0; start < trace.Length; start += batch)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"replay passed its deadline after {start} of {trace.Length} requests");
            int n = Math.Min(batch, trace.Length - start);
            for (int j = 0; j < n; j++)
            {
                names[j] = KeyNames.Of(trace[start + j]);
                gets[j] = db.StringGetAsync(names[j]);
            }
            await Task.WhenAll(gets.AsSpan(0, n).ToArray());

            missed.Clear(); sets.Clear();
            for (int j = 0; j < n; j++)
            {
                int id = trace[start + j];
                bool hit = gets[j].Result.HasValue;
                bool zipf = id < keys;
                if (zipf) zipfRequests++;
                if (hit)
                {
                    hits++;
                    if (zipf) zipfHits++;
                    if (start + j >= warmFrom) warmHits++;
                }
                else if (missed.Add(id)) sets.Add(db.StringSetAsync(names[j], _value));
            }
            foreach (var set in sets)
            {
                try { await set; }
                catch (RedisServerException e) { setErrors++; firstSetError ??= e.Message; } // e.g. OOM under noeviction
            }
            progress?.Invoke(start + n);
        }
        return new ReplayCounts(trace.Length, hits, zipfRequests, zipfHits, trace.Length - warmFrom, warmHits, setErrors, firstSetError);
    }
}
