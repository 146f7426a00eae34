using HyperCache.Frontends.Hosting;

namespace HyperCache.Frontends.Http;

/// <summary>
/// The HTTP side of CLIENT PAUSE: a cache write (PUT, DELETE, batch set) waits, without holding a thread, until a
/// pause that covers writes is over, as a RESP write does, so a paused primary's data set stays still for its
/// replicas to catch up. Reads are not held (a RESP read waits only under PAUSE ALL). With no pause, one volatile read.
/// </summary>
internal static class PauseGate
{
    public static async ValueTask WaitForWriteAsync(Node node, CancellationToken aborted)
    {
        var pause = node.Pause;
        while (pause.Active && pause.TryPark(coveredByWritePause: true, out var lifted)) await lifted.WaitAsync(aborted);
    }
}
