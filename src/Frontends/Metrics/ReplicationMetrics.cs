using HyperCache.Replication;
using Prometheus;

namespace HyperCache.Frontends.Metrics;

/// <summary>
/// Replication series, read from the <see cref="Replicator"/> at scrape time. On a primary, lag is per replica
/// (label <c>replica</c> = its host:port): bytes of log (to its tail) it has not acknowledged, and seconds since its
/// last acknowledgement while it is behind. On a replica, label <c>replica="self"</c>: bytes between the primary's
/// committed address and what was applied here, and how old the last applied batch was on arrival. Lag in entries
/// (primary only) uses the log's sequence numbers: each shipped batch remembers its last entry's.
/// </summary>
public sealed class ReplicationMetrics
{
    private readonly Replicator _replication;
    private readonly Gauge _lagBytes, _lagEntries, _lagSeconds, _connected, _linkUp;
    private readonly Counter _shipped, _fullSyncsServed, _fullSyncsReceived;
    private readonly HashSet<string> _published = [];

    public ReplicationMetrics(CollectorRegistry registry, Replicator replication)
    {
        _replication = replication;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _lagBytes = factory.CreateGauge("hypercache_replication_lag_bytes", "Committed log bytes a replica has not acknowledged (applied, on a replica).", "replica");
        _lagEntries = factory.CreateGauge("hypercache_replication_lag_entries",
            "On a primary: log entries written after the last one a replica acknowledged (once known on its connection).", "replica");
        _lagSeconds = factory.CreateGauge("hypercache_replication_lag_seconds", "How far behind in time a replica is.", "replica");
        _connected = factory.CreateGauge("hypercache_replication_connected_replicas", "Replicas streaming from this primary.");
        _linkUp = factory.CreateGauge("hypercache_replication_link_up", "On a replica: 1 while the stream from its primary is up.");
        _shipped = factory.CreateCounter("hypercache_replication_shipped_bytes_total", "Log and snapshot bytes sent to replicas.");
        _fullSyncsServed = factory.CreateCounter("hypercache_replication_full_syncs_total", "Full syncs served as a primary.");
        _fullSyncsReceived = factory.CreateCounter("hypercache_replication_full_syncs_received_total", "Full syncs received as a replica (this process).");
        registry.AddBeforeCollectCallback(Update);
    }

    private void Update()
    {
        var r = _replication;
        _shipped.IncTo(r.BytesShipped);
        _fullSyncsServed.IncTo(r.Replicas.FullSyncs);
        var seen = new HashSet<string>();
        if (r.Follower is { } f)
        {
            _fullSyncsReceived.IncTo(f.FullSyncs);
            _linkUp.Set(f.LinkUp ? 1 : 0);
            _connected.Set(0);
            seen.Add("self");
            _lagBytes.WithLabels("self").Set(Math.Max(0, f.PrimaryCommitted - f.AppliedAddress));
            _lagSeconds.WithLabels("self").Set(f.LastBatchDelayMs / 1000.0);
        }
        else
        {
            _linkUp.Set(0);
            long tail = r.Log.TailAddress; // as INFO's master_repl_offset
            int online = 0;
            foreach (var link in r.Replicas.Links.Where(l => l.Online))
            {
                online++;
                seen.Add(link.Key);
                long behind = Math.Max(0, tail - link.AckedAddress);
                _lagBytes.WithLabels(link.Key).Set(behind);
                if (behind == 0) _lagEntries.WithLabels(link.Key).Set(0);
                else if (link.AckedSequence >= 0) _lagEntries.WithLabels(link.Key).Set(Math.Max(0, (long)r.Log.LastSequence - link.AckedSequence));
                _lagSeconds.WithLabels(link.Key).Set(behind == 0 ? 0 : (Environment.TickCount64 - link.LastAckTick) / 1000.0);
            }
            _connected.Set(online);
        }
        foreach (var gone in _published.Except(seen).ToList())
        {
            _lagBytes.RemoveLabelled(gone);
            _lagEntries.RemoveLabelled(gone);
            _lagSeconds.RemoveLabelled(gone);
            _published.Remove(gone);
        }
        _published.UnionWith(seen);
    }
}
