namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>The repository's root (where HyperCache.sln is), for tests that read its files (dashboards, configs).</summary>
public static class Repo
{
    public static string Root { get; } = Find();

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "HyperCache.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No HyperCache.sln found above {AppContext.BaseDirectory}");
    }
}
