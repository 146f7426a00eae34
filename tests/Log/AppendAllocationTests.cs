namespace HyperCache.Log.Tests;

/// <summary>
/// The AOF append is on every write's path, under the shard lock: our part of it (header, CRC, sequence, enqueue)
/// allocates nothing. Measured within one FasterLog page: the append that turns a page also starts that page's
/// flush, and FASTER's ManagedLocalStorageDevice (the only device on Linux) copies the page into a pooled managed
/// buffer and writes it with FileStream.WriteAsync, which allocates (see docs/performance-micro.md).
/// </summary>
public class AppendAllocationTests
{
    [Fact]
    public void Append_within_a_page_allocates_nothing_on_the_calling_thread()
    {
        using var dir = new TempDir();
        using var log = AppendOnlyLog.Open(new LogOptions { Directory = dir.Path, PageSize = 1L << 23, MemorySize = 1L << 25 });
        log.Scan(log.BeginAddress, -1, null);
        var entry = new byte[EntryHeader.Size + 90];
        void Run()
        {
            for (int i = 0; i < 10_000; i++) log.Append(entry, 1);
        }
        Run(); // warm up (about 1.2 MB: the first 8 MB page still has room for the measured run)
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
