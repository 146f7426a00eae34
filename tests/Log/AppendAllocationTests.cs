namespace HyperCache.Log.Tests;

/// <summary>
/// The AOF append is on every write's path, under the shard lock: our part of it (header, CRC, sequence, enqueue)
/// allocates nothing, and the append that turns a FasterLog page (and so starts that page's flush, on the calling
/// thread) allocates only what FASTER's allocator itself allocates per page turn (see docs/performance-micro.md).
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

    /// <summary>
    /// Hundreds of page turns, appending faster than O_SYNC writes complete. Per page turn FASTER allocates about
    /// 400 B (two epoch-action closures and delegates, the flush's PageAsyncFlushResult and callback delegate).
    /// FASTER's own device added a Task, a state machine and a MemoryManager per flush, and FasterLog.Enqueue's
    /// Thread.Yield retry loop two closures per retry while the flush ran: 1-75 KB per page here.
    /// </summary>
    [Fact]
    public void Appends_across_page_turns_allocate_only_FASTERs_few_hundred_bytes_per_page()
    {
        const int PageBits = 16;
        using var dir = new TempDir();
        using var log = AppendOnlyLog.Open(new LogOptions
        {
            Directory = dir.Path, PageSize = 1L << PageBits, MemorySize = 1L << 20, SegmentSize = 1L << 22,
            Durability = Durability.No,
        });
        log.Scan(log.BeginAddress, -1, null);
        var entry = new byte[EntryHeader.Size + 90];
        void Run(int count)
        {
            for (int i = 0; i < count; i++) log.Append(entry, 1);
        }
        Run(30_000); // warm up: about 3 MB, so every page frame of the 1 MB buffer has been allocated and reused
        long firstPage = log.TailAddress >> PageBits;
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(200_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long pages = (log.TailAddress >> PageBits) - firstPage;
        Assert.True(pages > 300, $"only {pages} page turns");
        Assert.True(allocated < 2048 * pages, $"{allocated} B over {pages} page turns: {allocated / pages} B per page");
    }
}
