using System.Text;

namespace HyperCache.Bench.Micro;

/// <summary>The requests the benchmarks send, as a client puts them on the wire (redis-benchmark's shapes:
/// a 64-byte value, as with <c>-d 64</c>).</summary>
internal static class Requests
{
    public const string Key = "key:000000000042";
    public static readonly string Value = new('v', 64);
    public static readonly string OtherValue = new('w', 64);

    public static byte[] Command(params string[] args)
    {
        var text = new StringBuilder().Append('*').Append(args.Length).Append("\r\n");
        foreach (var arg in args) text.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>A pipelined batch: <paramref name="pairs"/> × (SET key value, GET key), as one read from a socket.</summary>
    public static byte[] PipelinedSetGet(int pairs)
    {
        var batch = new List<byte>();
        for (int i = 0; i < pairs; i++)
        {
            batch.AddRange(Command("SET", Key, Value));
            batch.AddRange(Command("GET", Key));
        }
        return [.. batch];
    }
}
