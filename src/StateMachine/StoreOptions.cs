namespace HyperCache.StateMachine;

public sealed record StoreOptions
{
    /// <summary>A power of two; the default is processor count × 4, as the design says.</summary>
    public int Shards { get; init; } = DefaultShards();
    public int Databases { get; init; } = 16;
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>Keep a Cuckoo filter of each shard's keys (<see cref="Store.MightContain"/>); cache.keyspace_filter.</summary>
    public bool KeyspaceFilter { get; init; } = false;
    /// <summary>Told of each event whose apply failed (<see cref="Store.ApplyFaults"/>), on the applying thread.</summary>
    public Action<ApplyFault>? OnApplyFault { get; init; }

    public static int DefaultShards() => (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount * 4);
}
