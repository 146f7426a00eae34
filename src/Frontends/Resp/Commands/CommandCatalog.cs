namespace HyperCache.Frontends.Resp.Commands;

/// <summary>Every RESP command this node knows, by family.</summary>
public static class CommandCatalog
{
    public static CommandTable Build()
    {
        var table = new CommandTable();
        HashCommands.Register(table);
        SetCommands.Register(table);
        ConnectionCommands.Register(table);
        SortedSetCommands.Register(table);
        ServerCommands.Register(table);
        CommandCommands.Register(table);
        StringCommands.Register(table);
        LcsCommand.Register(table);
        KeyCommands.Register(table);
        DumpCommands.Register(table);
        MigrateCommand.Register(table);
        BitmapCommands.Register(table);
        HyperLogLogCommands.Register(table);
        CuckooCommands.Register(table);
        ListCommands.Register(table);
        PersistenceCommands.Register(table);
        ShutdownCommand.Register(table);
        TransactionCommands.Register(table);
        PubSubCommands.Register(table);
        AuthCommands.Register(table);
        AclCommands.Register(table);
        ObjectCommands.Register(table);
        MemoryCommands.Register(table);
        LatencyCommands.Register(table);
        SortedSetBlockingCommands.Register(table);
        ReplicationCommands.Register(table);
        FailoverCommand.Register(table);
        ModuleCommand.Register(table);
        SlowLogCommands.Register(table);
        SortCommands.Register(table);
        GeoCommands.Register(table);
        StreamCommands.Register(table);
        StreamGroupCommands.Register(table);
        Scripting.ScriptCommands.Register(table);
        Scripting.FunctionCommands.Register(table);
        return table;
    }
}
