namespace HyperCache.Frontends.Scripting;

/// <summary>
/// What scripting holds, in bytes: the heaps of the two Lua states (EVAL's and the functions'), as Lua counts them,
/// and what the script cache and the libraries keep outside them (bodies, names and an estimated entry overhead).
/// Not part of used_memory, which is the keyspace's accounting that maxmemory is compared with.
/// </summary>
internal readonly record struct ScriptMemory(long EvalVm, long EvalCache, long FunctionsVm, long Functions);
