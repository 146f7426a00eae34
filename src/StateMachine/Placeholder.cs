namespace HyperCache.StateMachine;
