namespace HyperCache.Replication;
