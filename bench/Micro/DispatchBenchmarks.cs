using BenchmarkDotNet.Attributes;
using HyperCache.Frontends.Resp;
using HyperCache.Frontends.Resp.Commands;

namespace HyperCache.Bench.Micro;

/// <summary>What the dispatcher does before it runs a handler: find the command by its (any-case) name in the
/// request bytes, and check the arity.</summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private readonly CommandTable _table = CommandCatalog.Build();
    private readonly CommandArgs _get = new();
    private readonly CommandArgs _set = new();

    [GlobalSetup]
    public void Setup()
    {
        Parse(Requests.Command("get", Requests.Key), _get);
        Parse(Requests.Command("SET", Requests.Key, Requests.Value), _set);
    }

    private static void Parse(byte[] request, CommandArgs args)
    {
        if (new RespParser(new RespLimits()).TryParse(request, args, out _, out _) != ParseStatus.Complete)
            throw new InvalidOperationException("request should parse");
    }

    [Benchmark]
    public bool LookupAndArityGet() => _table.TryFind(_get[0], out var spec) && spec.ArityOk(_get.Count);

    [Benchmark]
    public bool LookupAndAritySet() => _table.TryFind(_set[0], out var spec) && spec.ArityOk(_set.Count);
}
