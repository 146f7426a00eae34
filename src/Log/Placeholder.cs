namespace HyperCache.Log;
