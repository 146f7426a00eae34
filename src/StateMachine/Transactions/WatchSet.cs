namespace HyperCache.StateMachine.Transactions;

/// <summary>One client's WATCHed keys. <see cref="Dirty"/> is set (under the store's watch lock) by any write to
/// one of them; EXEC reads it with every shard locked, after which no write can slip in.</summary>
internal sealed class WatchSet
{
    public readonly List<WatchedKey> Keys = [];
    public volatile bool Dirty;
}

/// <param name="ExpiredAtWatch">Already logically expired when watched: as in Redis, its later expiry (or the
/// delete that reclaims it) is not a change.</param>
internal sealed record WatchedKey(int Db, byte[] Key)
{
    public bool ExpiredAtWatch;
}
