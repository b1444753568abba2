// The KubeRuntime module: the machinery every controller needs — informers (list+watch into a
// cache), a rate-limited, delayed, priority-ordered work queue, Lease leader election, and the
// HTTP server for /metrics, /healthz and /readyz. Generic over resource types: it never mentions
// ScheduledTask.
