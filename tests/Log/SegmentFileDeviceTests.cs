using System.Runtime.InteropServices;
using FASTER.core;

namespace HyperCache.Log.Tests;

/// <summary>The AOF's own FASTER device, on its own: writes and reads by logical address over segment files.</summary>
public unsafe class SegmentFileDeviceTests
{
    private const int Segment = 1 << 16;

    /// <summary>Sector-aligned native memory, as FASTER's pages are.</summary>
    private sealed class Aligned : IDisposable
    {
        public byte* Pointer { get; }
        public int Length { get; }
        public Aligned(int length)
        {
            Length = length;
            Pointer = (byte*)NativeMemory.AlignedAlloc((nuint)length, 512);
            new Span<byte>(Pointer, length).Clear();
        }
        public Span<byte> Span => new(Pointer, Length);
        public void Dispose() => NativeMemory.AlignedFree(Pointer);
    }

    /// <summary>Collects one I/O's completion.</summary>
    private sealed class Completion
    {
        private readonly TaskCompletionSource<(uint Error, uint Bytes, object? Context)> _done =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
        public DeviceIOCompletionCallback Callback => (error, bytes, context) => _done.TrySetResult((error, bytes, context));
        public (uint Error, uint Bytes, object? Context) Wait()
        {
            Assert.True(_done.Task.Wait(TimeSpan.FromSeconds(30)), "the I/O never completed");
            return _done.Task.Result;
        }
    }

    private static (uint Error, uint Bytes, object? Context) Write(IDevice device, Aligned from, int offset, int length, ulong address)
    {
        var done = new Completion();
        device.WriteAsync((IntPtr)(from.Pointer + offset), address, (uint)length, done.Callback, "write context");
        return done.Wait();
    }

    private static (uint Error, uint Bytes, object? Context) Read(IDevice device, ulong address, Aligned into, int length)
    {
        var done = new Completion();
        device.ReadAsync(address, (IntPtr)into.Pointer, (uint)length, done.Callback, "read context");
        return done.Wait();
    }

    [Fact]
    public void Writes_land_in_their_segment_files_and_read_back()
    {
        using var dir = new TempDir();
        var name = Path.Combine(dir.Path, "hlog");
        using var device = new SegmentFileDevice(name);
        device.Initialize(Segment);
        using var data = new Aligned(3 * Segment);
        Random.Shared.NextBytes(data.Span);

        // FASTER never writes across a segment boundary: one write per segment, the last one ending mid-segment.
        Assert.Equal((0u, (uint)Segment, (object?)"write context"), Write(device, data, 0, Segment, 0));
        Assert.Equal((0u, (uint)Segment, (object?)"write context"), Write(device, data, Segment, Segment, Segment));
        Assert.Equal((0u, 4096u, (object?)"write context"), Write(device, data, 2 * Segment, 4096, 2 * Segment));

        Assert.Equal(Segment, new FileInfo(name + ".0").Length);
        Assert.Equal(Segment, new FileInfo(name + ".1").Length);
        Assert.Equal(4096, new FileInfo(name + ".2").Length);
        Assert.True(File.ReadAllBytes(name + ".1").AsSpan().SequenceEqual(data.Span.Slice(Segment, Segment)));

        using var back = new Aligned(Segment);
        Assert.Equal((0u, (uint)Segment, (object?)"read context"), Read(device, Segment, back, Segment));
        Assert.True(back.Span.SequenceEqual(data.Span.Slice(Segment, Segment)));
        // A read running past the end of the file returns what is there (FASTER reads whole pages).
        back.Span.Clear();
        Assert.Equal((0u, 4096u, (object?)"read context"), Read(device, 2 * Segment, back, Segment));
        Assert.True(back.Span[..4096].SequenceEqual(data.Span.Slice(2 * Segment, 4096)));
        Assert.Equal(0, device.Pending);
    }

    [Fact]
    public void Removing_a_segment_deletes_its_file()
    {
        using var dir = new TempDir();
        var name = Path.Combine(dir.Path, "hlog");
        using var device = new SegmentFileDevice(name);
        device.Initialize(Segment);
        using var data = new Aligned(4096);
        Write(device, data, 0, 4096, 0);
        Write(device, data, 0, 4096, Segment);

        device.RemoveSegment(0);
        Assert.False(File.Exists(name + ".0"));
        Assert.True(File.Exists(name + ".1"));
        device.RemoveSegment(7); // never written: nothing to do, no error
    }

    [Fact]
    public void A_new_device_learns_the_segment_range_from_the_files()
    {
        using var dir = new TempDir();
        var name = Path.Combine(dir.Path, "hlog");
        // Segment 0 survived an older truncation gap; 3..5 is the log. Other files with the same prefix are not segments.
        foreach (var suffix in new[] { ".0", ".3", ".4", ".5", ".log", "x.6" }) File.WriteAllBytes(name + suffix, [1]);

        using var device = new SegmentFileDevice(name);
        Assert.Equal(3, device.StartSegment);
        Assert.Equal(5, device.EndSegment);

        using var fresh = new SegmentFileDevice(Path.Combine(dir.Path, "other"));
        Assert.Equal(0, fresh.StartSegment);
        Assert.Equal(-1, fresh.EndSegment);
    }

    [Fact]
    public void An_io_after_dispose_completes_with_an_error()
    {
        using var dir = new TempDir();
        var device = new SegmentFileDevice(Path.Combine(dir.Path, "hlog"));
        device.Initialize(Segment);
        device.Dispose();
        using var data = new Aligned(4096);
        var (error, bytes, _) = Write(device, data, 0, 4096, 0);
        Assert.NotEqual(0u, error);
        Assert.Equal(0u, bytes);
    }

    /// <summary>The open flags of this process's descriptor of <paramref name="path"/> (Linux /proc), or null.</summary>
    private static int? OpenFlags(string path)
    {
        foreach (var fd in Directory.EnumerateFiles("/proc/self/fd"))
        {
            string? target;
            try { target = new FileInfo(fd).LinkTarget; } catch (IOException) { continue; }
            if (target != path) continue;
            foreach (var line in File.ReadLines("/proc/self/fdinfo/" + Path.GetFileName(fd)))
                if (line.StartsWith("flags:")) return Convert.ToInt32(line["flags:".Length..].Trim(), 8);
        }
        return null;
    }

    [Fact]
    public void Segments_are_written_unbuffered_where_the_file_system_allows_it()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return; // the flags below are Linux x64's
        using var dir = new TempDir();
        var name = Path.Combine(dir.Path, "hlog");
        using var device = new SegmentFileDevice(name);
        device.Initialize(Segment);
        using var data = new Aligned(4096);
        Random.Shared.NextBytes(data.Span);
        Assert.Equal(0u, Write(device, data, 0, 4096, 0).Error);

        int flags = OpenFlags(Path.GetFullPath(name + ".0")) ?? throw new Xunit.Sdk.XunitException("segment 0 is not open");
        const int direct = 0x4000, dataSync = 0x1000;
        // tmpfs refuses O_DIRECT; the device then opens the file buffered, O_SYNC (which includes O_DSYNC's bit).
        bool tmpfs = File.ReadLines("/proc/self/mounts").Select(l => l.Split(' ')).Any(f => f.Length > 2 && f[2] == "tmpfs" && dir.Path.StartsWith(f[1] + "/"));
        if (!tmpfs) Assert.Equal(direct, flags & direct);
        Assert.Equal(dataSync, flags & dataSync);
    }

    [Fact]
    public void An_unaligned_write_falls_back_to_buffered_io_and_lands()
    {
        using var dir = new TempDir();
        var name = Path.Combine(dir.Path, "hlog");
        using var device = new SegmentFileDevice(name);
        device.Initialize(Segment);
        using var data = new Aligned(8192);
        Random.Shared.NextBytes(data.Span);

        // From one byte past a sector boundary, 1000 bytes: O_DIRECT refuses both the address and the length.
        Assert.Equal((0u, 1000u, (object?)"write context"), Write(device, data, 1, 1000, 0));
        Assert.Equal((0u, 4096u, (object?)"write context"), Write(device, data, 4096, 4096, 4096));

        // The device went on buffered: the segment's descriptor no longer has O_DIRECT (x64's bit).
        Assert.Equal(0, (OpenFlags(Path.GetFullPath(name + ".0")) ?? 0) & 0x4000);
        var file = File.ReadAllBytes(name + ".0");
        Assert.True(file.AsSpan(0, 1000).SequenceEqual(data.Span.Slice(1, 1000)));
        Assert.True(file.AsSpan(4096, 4096).SequenceEqual(data.Span.Slice(4096, 4096)));
        Assert.Equal(0, device.Pending);
    }
}
