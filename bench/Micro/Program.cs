using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Running;

namespace HyperCache.Bench.Micro;

public static class MicroBenchmarks
{
    /// <summary>Every benchmark class carries [MemoryDiagnoser]; the config adds the GitHub-markdown table that
    /// bench/micro.sh keeps, and joins all classes into one summary table.</summary>
    public static void Main(string[] args)
    {
        var config = DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .WithOptions(ConfigOptions.JoinSummary);
        BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args, config);
    }
}
