// The KubeSim module: an in-memory Kubernetes API server over real HTTP, with a simulated Job/Pod
// runtime and fault injection; used by tests, `punctual sim` and `punctual demo`.
//
// Layers, bottom up:
// - `SimStore` (Storage.swift, Store/): every object as JSONValue, one resourceVersion sequence,
//   the semantics clients depend on (conflicts, generation, status separation, finalizers, garbage
//   collection, CRDs), admission plug-ins before every write, and subscriptions for watchers and
//   in-process components. `WatchHub` keeps the bounded change history and the subscribers.
// - `APIServer` (APIServer.swift, Server/): the REST surface over Hummingbird: discovery, OpenAPI v3
//   stubs for kubectl, lists with selectors and paging, watch streams, Tables, auth and TLS.
// - `FaultInjector`: scripted failures, in-process and under `/sim/faults`.
//
// Guarantees: writes are atomic and totally ordered; a watcher sees every change after its start
// point in order, or its stream ends (it fell behind, was closed, or the server stopped) and it must
// resume from the last resourceVersion it saw. Not guaranteed: protobuf, server-side apply, strategic
// merge by key (served as merge patch), asynchronous garbage collection, API version conversion.
