// The KubeRuntime module: the machinery every controller needs, generic over resource types
// (it never mentions ScheduledTask).
//
// - Informers (`Informer`, `ObjectCache`): list then watch into an indexed cache; resume from the
//   last resourceVersion when a watch ends; relist on 410 and tell handlers what changed while
//   disconnected; back off with jitter on the injected clock.
// - The work queue (`WorkQueue`, `RateLimiter`): keys only, deduplicated, never processed by two
//   workers at once, delayed on one timer, served by priority then due time, rate limited.
// - Leader election (`LeaderElector`, `LeaseLock`, `KubeLeaseLock`): client-go semantics on the
//   local clock, standbys that watch instead of polling, leadership as a cancellable scope.
// - The operating surface (`ProbeServer`, `ReadinessChecks`, `KubeClientMetrics`, logging).
//
// What it does not guarantee: there is no fencing. A leader that lost its lease has its work
// cancelled before any standby can acquire, but requests already sent are not undone; writes
// that must never be doubled need deterministic names (a 409 on create means "already done").
