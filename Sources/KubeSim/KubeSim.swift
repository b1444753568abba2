// The KubeSim module: an in-memory Kubernetes API server over real HTTP, with a simulated Job/Pod
// runtime and fault injection; used by tests, `punctual sim` and `punctual demo`.
