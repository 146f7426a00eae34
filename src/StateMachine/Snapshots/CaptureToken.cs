namespace HyperCache.StateMachine.Snapshots;

/// <summary>
/// Marks the collections of one shard's capture while the snapshot writer still reads them, unlocked. Until it is
/// released, the first write to such a collection replaces it with a copy (copy-on-write, see Store.Unshared), so
/// the writer keeps reading the value as it was at the capture, and collections nobody writes are never copied.
/// </summary>
public sealed class CaptureToken
{
    private volatile bool _released;

    /// <summary>True once the writer has written the shard out (or the cut ended): its collections are free again.
    /// A write that still sees false only makes a needless copy.</summary>
    public bool Released => _released;

    public void Release() => _released = true;
}
