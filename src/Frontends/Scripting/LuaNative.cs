using System.Runtime.InteropServices;

namespace HyperCache.Frontends.Scripting;

/// <summary>
/// The few functions of the Lua 5.4 C API that scripting uses, bound directly to the native library that the
/// KeraLua package ships (liblua54). Direct bindings let strings cross as (pointer, length) spans with no copy and
/// no encoding, which Redis values need (they are bytes, not text).
/// </summary>
/// <remarks>
/// Rule for every callback into .NET: it must never raise a Lua error (lua_error longjmps, and a longjmp across
/// managed frames is undefined behaviour). Callbacks return an error marker instead and Lua code raises it
/// (see <see cref="LuaPrelude"/>); they use only raw table access, which runs no metamethod.
/// </remarks>
internal static unsafe partial class LuaNative
{
    private const string Lib = "lua54";

    public const int RegistryIndex = -1_000_000 - 1000; // LUA_REGISTRYINDEX for LUAI_MAXSTACK = 1000000
    public const int MultipleResults = -1;               // LUA_MULTRET
    public const int NoRef = -2;                         // LUA_NOREF

    public const int TypeNil = 0, TypeBoolean = 1, TypeNumber = 3, TypeString = 4, TypeTable = 5, TypeFunction = 6;

    [LibraryImport(Lib)] public static partial IntPtr luaL_newstate();
    [LibraryImport(Lib)] public static partial void luaL_openlibs(IntPtr L);
    [LibraryImport(Lib)] public static partial void lua_close(IntPtr L);

    public const int GcCount = 3, GcCountBytes = 4;        // LUA_GCCOUNT (KB), LUA_GCCOUNTB (remainder)
    /// <summary>Variadic in C; the two counting options read no further argument.</summary>
    [LibraryImport(Lib)] public static partial int lua_gc(IntPtr L, int what);

    /// <summary>The bytes a Lua state's heap holds now (0 for no state).</summary>
    public static long HeapBytes(IntPtr L) =>
        L == IntPtr.Zero ? 0 : (long)lua_gc(L, GcCount) * 1024 + lua_gc(L, GcCountBytes);

    [LibraryImport(Lib)]
    public static partial int luaL_loadbufferx(IntPtr L, byte* buffer, nuint size, byte* name, byte* mode);

    /// <summary>Compiles Lua source (mode "t": bytecode is refused) as chunk <paramref name="chunkName"/> and pushes
    /// the function, or the error message; returns luaL_loadbufferx's status.</summary>
    public static int LoadSource(IntPtr L, ReadOnlySpan<byte> source, string chunkName)
    {
        Span<byte> name = stackalloc byte[System.Text.Encoding.UTF8.GetByteCount(chunkName) + 1];
        name[System.Text.Encoding.UTF8.GetBytes(chunkName, name)] = 0;
        fixed (byte* code = source)
        fixed (byte* chunk = name)
        fixed (byte* mode = "t\0"u8)
            return luaL_loadbufferx(L, code, (nuint)source.Length, chunk, mode);
    }

    [LibraryImport(Lib)]
    public static partial int lua_pcallk(IntPtr L, int nargs, int nresults, int messageHandler, IntPtr context, IntPtr continuation);

    [LibraryImport(Lib)] public static partial int lua_gettop(IntPtr L);
    [LibraryImport(Lib)] public static partial void lua_settop(IntPtr L, int index);
    [LibraryImport(Lib)] public static partial int lua_checkstack(IntPtr L, int n);
    [LibraryImport(Lib)] public static partial void lua_pushvalue(IntPtr L, int index);
    [LibraryImport(Lib)] public static partial int lua_type(IntPtr L, int index);

    [LibraryImport(Lib)] public static partial byte* lua_tolstring(IntPtr L, int index, out nuint length);
    [LibraryImport(Lib)] public static partial double lua_tonumberx(IntPtr L, int index, out int isNumber);
    [LibraryImport(Lib)] public static partial long lua_tointegerx(IntPtr L, int index, out int isNumber);
    [LibraryImport(Lib)] public static partial int lua_isinteger(IntPtr L, int index);
    [LibraryImport(Lib)] public static partial int lua_toboolean(IntPtr L, int index);

    [LibraryImport(Lib)] public static partial void lua_pushnil(IntPtr L);
    [LibraryImport(Lib)] public static partial void lua_pushinteger(IntPtr L, long value);
    [LibraryImport(Lib)] public static partial void lua_pushnumber(IntPtr L, double value);
    [LibraryImport(Lib)] public static partial void lua_pushboolean(IntPtr L, int value);
    [LibraryImport(Lib)] public static partial byte* lua_pushlstring(IntPtr L, byte* text, nuint length);
    [LibraryImport(Lib)] public static partial void lua_pushcclosure(IntPtr L, IntPtr function, int upvalues);
    [LibraryImport(Lib)] public static partial void lua_pushlightuserdata(IntPtr L, IntPtr pointer);

    [LibraryImport(Lib)] public static partial void lua_createtable(IntPtr L, int arrayHint, int recordHint);
    [LibraryImport(Lib)] public static partial int lua_rawgeti(IntPtr L, int index, long n);
    [LibraryImport(Lib)] public static partial void lua_rawseti(IntPtr L, int index, long n);
    [LibraryImport(Lib)] public static partial int lua_rawget(IntPtr L, int index);
    [LibraryImport(Lib)] public static partial void lua_rawset(IntPtr L, int index);
    [LibraryImport(Lib)] public static partial int lua_next(IntPtr L, int index);

    [LibraryImport(Lib)] public static partial byte* lua_setupvalue(IntPtr L, int function, int n);

    [LibraryImport(Lib)] public static partial int luaL_ref(IntPtr L, int table);
    [LibraryImport(Lib)] public static partial void luaL_unref(IntPtr L, int table, int reference);

    public static void Pop(IntPtr L, int n) => lua_settop(L, -n - 1);

    public static void PushBytes(IntPtr L, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes) lua_pushlstring(L, p, (nuint)bytes.Length);
    }

    /// <summary>The string at <paramref name="index"/>, valid while it stays on the stack; empty when not a
    /// string or number (a number is converted in place, as lua_tolstring does).</summary>
    public static ReadOnlySpan<byte> ToBytes(IntPtr L, int index)
    {
        byte* p = lua_tolstring(L, index, out nuint length);
        return p == null ? default : new ReadOnlySpan<byte>(p, checked((int)length));
    }

    /// <summary>Pushes t[name] of the table at <paramref name="table"/> without metamethods; returns its type.</summary>
    public static int RawGetField(IntPtr L, int table, ReadOnlySpan<byte> name)
    {
        int absolute = table < 0 && table > RegistryIndex ? lua_gettop(L) + table + 1 : table;
        PushBytes(L, name);
        return lua_rawget(L, absolute);
    }

    /// <summary>t[name] = value on top (popped), without metamethods.</summary>
    public static void RawSetField(IntPtr L, int table, ReadOnlySpan<byte> name)
    {
        int absolute = table < 0 && table > RegistryIndex ? lua_gettop(L) + table + 1 : table;
        PushBytes(L, name);
        lua_pushvalue(L, -2);      // key, then the value again
        lua_rawset(L, absolute);   // pops both
        Pop(L, 1);                 // the original value
    }
}
