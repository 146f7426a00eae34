using System.Diagnostics;
using System.Text.Json.Nodes;

namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>Runs the <c>hypercache</c> command line (replay, log, snapshot) and captures what it prints.</summary>
public static class HyperCacheCli
{
    public sealed record Result(int Exit, string Out, string Err)
    {
        public JsonObject Json => JsonNode.Parse(Out)?.AsObject() ?? throw new Xunit.Sdk.XunitException("no JSON in: " + Out + Err);

        public override string ToString() => $"exit {Exit}\nstdout:\n{Out}\nstderr:\n{Err}";
    }

    public static Result Run(params string[] args)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HyperCache.sln"))) dir = dir.Parent;
        var dll = Path.Combine(dir?.FullName ?? throw new InvalidOperationException("no HyperCache.sln above the tests"),
            "src", "Frontends", "bin", configuration, "net10.0", "hypercache.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("hypercache " + string.Join(' ', args) + " did not finish within 120 s");
        }
        return new Result(p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
