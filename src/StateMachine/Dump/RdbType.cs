namespace HyperCache.StateMachine.Dump;

/// <summary>The RDB object type bytes (the first byte of a DUMP payload) that Redis 7.0 knows.</summary>
public static class RdbType
{
    public const byte String = 0, List = 1, Set = 2, ZSet = 3, Hash = 4, ZSet2 = 5, Module = 6, Module2 = 7;
    public const byte HashZipmap = 9, ListZiplist = 10, SetIntset = 11, ZSetZiplist = 12, HashZiplist = 13;
    public const byte ListQuicklist = 14, StreamListpacks = 15, HashListpack = 16, ZSetListpack = 17;
    public const byte ListQuicklist2 = 18, StreamListpacks2 = 19, SetListpack = 20, StreamListpacks3 = 21;

    /// <summary>The RDB format version this node writes in DUMP footers and the newest it accepts: Redis 7.0's.</summary>
    public const int Version = 10;
}
