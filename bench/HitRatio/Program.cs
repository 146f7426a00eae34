using HyperCache.Bench.HitRatio;

const string usage = """
    hitratio SUBCOMMAND [--name value ...]   (driven by bench/hitratio.sh; see bench/README.md)
      run       --port P --workload zipf:1.0|scan:1.0 --server NAME --policy NAME --out results.tsv
                [--capacity KEYS] [--batch 100] [--value-size 100] [--timeout 1800]
      simulate  --workload W --capacity KEYS --out results.tsv      exact LRU over the same trace
      fill      --port P --keys N [--value-size 100]                SET the first N trace keys; print memory
      record    --workload W --server S --policy P --status TEXT --out results.tsv [--note TEXT]
      trace     --workload W                                        trace size, distinct keys, fingerprint
      report    --in results.tsv [--baseline redis/allkeys-lru]
    trace shape (run, simulate, trace): --keys 1000000 --requests 3000000 --seed 42 --scan-every 250000 --scan-length 100000
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help") { Console.WriteLine(usage); return 0; }
try
{
    var a = new Args(args.Skip(1));
    return args[0] switch
    {
        "run" => await Commands.Run(a),
        "simulate" => Commands.Simulate(a),
        "fill" => await Commands.Fill(a),
        "record" => Commands.Record(a),
        "trace" => Commands.Trace(a),
        "report" => Commands.Report(a),
        _ => throw new UsageException($"unknown subcommand '{args[0]}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"hitratio: {e.Message}\n\n{usage}");
    return 2;
}
catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException or ArgumentException or IOException)
{
    Console.Error.WriteLine($"hitratio: {e.GetType().Name}: {e.Message}");
    return 1;
}
