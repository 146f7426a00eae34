using BenchmarkDotNet.Attributes;
using HyperCache.Frontends.Resp;

namespace HyperCache.Bench.Micro;

/// <summary>RESP parsing of a pipelined batch of 16 commands (8 SET + 8 GET) from one contiguous buffer, as
/// RespConnectionHandler parses a socket read. Per operation = per command.</summary>
[MemoryDiagnoser]
public class RespParseBenchmarks
{
    private const int Commands = 16;
    private readonly RespParser _parser = new(new RespLimits());
    private readonly CommandArgs _args = new();
    private ReadOnlyMemory<byte> _batch;

    [GlobalSetup]
    public void Setup() => _batch = Requests.PipelinedSetGet(Commands / 2);

    [Benchmark(OperationsPerInvoke = Commands)]
    public int ParsePipelinedSetGet()
    {
        var remaining = _batch;
        int parsed = 0;
        while (!remaining.IsEmpty)
        {
            if (_parser.TryParse(remaining, _args, out int used, out _) != ParseStatus.Complete)
                throw new InvalidOperationException("the batch should parse");
            remaining = remaining[used..];
            parsed += _args.Count;
        }
        return parsed;
    }
}
