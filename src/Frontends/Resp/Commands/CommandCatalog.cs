namespace HyperCache.Frontends.Resp.Commands;

/// <summary>Every RESP command this node knows, by family.</summary>
public static class CommandCatalog
{
    public static CommandTable Build()
    {
        var table = new CommandTable();
        ConnectionCommands.Register(table);
        ServerCommands.Register(table);
        StringCommands.Register(table);
        KeyCommands.Register(table);
        PersistenceCommands.Register(table);
        return table;
    }
}
