using System.Security.Cryptography;

namespace HyperCache.Replication;

/// <summary>
/// A primary's replication id (40 hex characters, as Redis's master_replid). It names one history of the log: it is
/// kept in <c>DATA_DIR/replication-id</c> so a restarted primary keeps it (its log addresses are stable, so replicas
/// resume), and replaced on promotion or when the log was cut (addresses then no longer mean the same entries).
/// </summary>
public static class ReplicationId
{
    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    public static string LoadOrCreate(string dataDir, bool renew)
    {
        string path = Path.Combine(dataDir, "replication-id");
        if (!renew && File.Exists(path))
        {
            string existing = File.ReadAllText(path).Trim();
            if (existing.Length == 40) return existing;
        }
        return Save(dataDir, New());
    }

    public static string Save(string dataDir, string id)
    {
        Directory.CreateDirectory(dataDir);
        string path = Path.Combine(dataDir, "replication-id");
        File.WriteAllText(path + ".tmp", id);
        File.Move(path + ".tmp", path, overwrite: true);
        return id;
    }
}
