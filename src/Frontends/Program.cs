using HyperCache.Frontends.Cli;

return await CliApp.RunAsync(args);
