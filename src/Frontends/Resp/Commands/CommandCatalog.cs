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
        TransactionCommands.Register(table);
        PubSubCommands.Register(table);
        AuthCommands.Register(table);
        ObjectCommands.Register(table);
        return table;
    }
}
