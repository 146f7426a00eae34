namespace HyperCache.Log;

/// <summary>
/// The log directory's <c>LOCK</c> file, held open exclusively while a log is open (an advisory flock on Unix,
/// released by the kernel when the process dies, so a crash never leaves it stale). Two processes appending to one
/// FasterLog would write over each other's pages and commit records: a second node started on the same data
/// directory, or <c>hypercache replay</c> run on a live node's, now stops with this error instead.
/// </summary>
internal sealed class LogDirectoryLock(FileStream file) : IDisposable
{
    public static LogDirectoryLock Take(string directory)
    {
        string path = Path.Combine(directory, "LOCK");
        try
        {
            return new LogDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new IOException($"The log in {directory} is open in another process (a node or a hypercache command on the same data directory): {e.Message}", e);
        }
    }

    public void Dispose() => file.Dispose();
}
