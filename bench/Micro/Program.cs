using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;

namespace HyperCache.Bench.Micro;

public static class MicroBenchmarks
{
    /// <summary>Every benchmark class carries [MemoryDiagnoser]; the config joins all classes into one summary
    /// table, which the default GitHub-markdown exporter writes for bench/micro.sh to keep.</summary>
    public static void Main(string[] args)
    {
        var config = DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.JoinSummary)
            .WithBuildTimeout(TimeSpan.FromMinutes(10)); // out-of-process builds on a busy 2-core machine exceed the 2 min default
        BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args, config);
    }
}
