using static HyperCache.Frontends.Scripting.LuaNative;

namespace HyperCache.Frontends.Scripting;

/// <summary>
/// The libraries Redis 7.0 gives every script (<c>cjson</c>, <c>cmsgpack</c>, <c>bit</c>, <c>struct</c>), written in
/// Lua (<c>LuaLibraries.lua</c>, embedded in the assembly). <see cref="ScriptEngine"/> compiles the chunk once per
/// Lua state and hands it to the prelude, which runs it, makes its functions C functions and installs the tables as
/// read-only globals (<see cref="LuaPrelude"/>). Nothing here runs per script call.
/// </summary>
internal static unsafe class LuaLibraries
{
    /// <summary>The Lua source, read once from the assembly.</summary>
    public static readonly byte[] Code = Read();

    private static byte[] Read()
    {
        using var stream = typeof(LuaLibraries).Assembly.GetManifestResourceStream("HyperCache.Frontends.Scripting.LuaLibraries.lua")
            ?? throw new InvalidOperationException("Lua: the libraries' source is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Compiles the chunk and pushes it (or the error message); returns the status of luaL_loadbufferx.
    /// Its functions run in coroutines of their own, never in the script's frames.</summary>
    public static int Load(IntPtr L) => LoadSource(L, Code, LuaPrelude.LibrariesChunkName);
}
