using System.Collections.Immutable;
using System.IO.Hashing;
using System.Text;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine;

/// <summary>
/// Redis 7 functions as data: the libraries, by name, as their Lua source. Loading, deleting, flushing and
/// restoring them are logged events (<see cref="EventKind.FunctionLoad"/> ...), so replay, snapshots and replicas
/// reproduce them; the state machine never runs Lua (the front end compiles what it finds here). Each event is
/// logged under every shard lock, as FLUSHALL is, so a snapshot's cut sees it in all shards or none; the libraries
/// are captured with shard 0. Readers get an immutable map, replaced whole by each event.
/// </summary>
public sealed partial class Store
{
    private static readonly ImmutableSortedDictionary<string, byte[]> NoLibraries =
        ImmutableSortedDictionary.Create<string, byte[]>(StringComparer.Ordinal);

    private ImmutableSortedDictionary<string, byte[]> _libraries = NoLibraries;

    /// <summary>The libraries (name → source code), as of the last applied event. A new map after every change, so
    /// a reader may compare references to learn whether anything changed.</summary>
    public ImmutableSortedDictionary<string, byte[]> Libraries => Volatile.Read(ref _libraries);

    /// <summary>Runs <paramref name="body"/> holding every shard lock (as a script does): FUNCTION LOAD compiles,
    /// checks and logs under them, so no other change of the libraries comes in between.</summary>
    public void WithAllLocks(Action body)
    {
        using var locks = LockAll(stackalloc ulong[MaskWords]);
        body();
    }

    public void FunctionLoad(Session session, string name, ReadOnlySpan<byte> code)
    {
        using var locks = LockAll(stackalloc ulong[MaskWords]);
        var buffer = EventBuffer.Start(EventKind.FunctionLoad);
        buffer.WriteArrayHeader(2);
        buffer.Write(Encoding.UTF8.GetBytes(name));
        buffer.Write(code);
        LogAndApply(session, buffer);
    }

    public void FunctionDelete(Session session, string name)
    {
        using var locks = LockAll(stackalloc ulong[MaskWords]);
        var buffer = EventBuffer.Start(EventKind.FunctionDelete);
        buffer.WriteArrayHeader(1);
        buffer.Write(Encoding.UTF8.GetBytes(name));
        LogAndApply(session, buffer);
    }

    public void FunctionFlush(Session session)
    {
        using var locks = LockAll(stackalloc ulong[MaskWords]);
        var buffer = EventBuffer.Start(EventKind.FunctionFlush);
        buffer.WriteArrayHeader(0);
        LogAndApply(session, buffer);
    }

    public void FunctionRestore(Session session, bool flush, IReadOnlyList<KeyValuePair<string, byte[]>> libraries)
    {
        using var locks = LockAll(stackalloc ulong[MaskWords]);
        var buffer = EventBuffer.Start(EventKind.FunctionRestore);
        buffer.WriteArrayHeader(1 + 2 * libraries.Count);
        buffer.Write(flush ? 1 : 0);
        foreach (var (name, code) in libraries)
        {
            buffer.Write(Encoding.UTF8.GetBytes(name));
            buffer.Write(code);
        }
        LogAndApply(session, buffer);
    }

    private void ApplyFunction(EventKind kind, ref EventReader r, int fields)
    {
        var libraries = _libraries;
        switch (kind)
        {
            case EventKind.FunctionLoad:
            {
                string name = Encoding.UTF8.GetString(r.ReadBytes());
                libraries = libraries.SetItem(name, r.ReadBytes().ToArray());
                break;
            }
            case EventKind.FunctionDelete:
                libraries = libraries.Remove(Encoding.UTF8.GetString(r.ReadBytes()));
                break;
            case EventKind.FunctionFlush:
                libraries = NoLibraries;
                break;
            case EventKind.FunctionRestore:
            {
                if (r.ReadInt64() != 0) libraries = NoLibraries;
                for (int i = 1; i + 1 < fields; i += 2)
                {
                    string name = Encoding.UTF8.GetString(r.ReadBytes());
                    libraries = libraries.SetItem(name, r.ReadBytes().ToArray());
                }
                break;
            }
            default:
                throw new UnknownEventKindException($"unknown event kind {(byte)kind}");
        }
        Volatile.Write(ref _libraries, libraries);
    }

    /// <summary>The libraries' part of <see cref="Digest"/>: 0 when there are none, so a store without functions
    /// digests as before.</summary>
    private ulong LibrariesDigest()
    {
        ulong digest = 0;
        foreach (var (name, code) in Libraries)
        {
            var hash = new XxHash3();
            hash.Append("function\0"u8);
            hash.Append(Encoding.UTF8.GetBytes(name));
            hash.Append([0]);
            hash.Append(code);
            digest += hash.GetCurrentHashAsUInt64();
        }
        return digest;
    }
}
