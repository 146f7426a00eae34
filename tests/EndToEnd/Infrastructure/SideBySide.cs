namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>One command line on redis-server (the reference) and on the node under test, for tests that walk a
/// sequence of steps and need every reply to be Redis's.</summary>
public static class SideBySide
{
    /// <summary>Runs <paramref name="command"/> on both; fails with both replies when they differ.</summary>
    public static void Same(RawRespClient reference, Func<string[], string> ours, params string[] command)
    {
        string theirs = reference.Command(command), mine = ours(command);
        Assert.True(theirs == mine, $"{string.Join(' ', command)}: redis {theirs.TrimEnd()}, ours {mine.TrimEnd()}");
    }
}
