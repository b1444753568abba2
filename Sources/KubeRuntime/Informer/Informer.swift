import KubeClient
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Keeps an ``ObjectCache`` equal to the API server's state of one resource (optionally one
/// namespace and label selector) and tells handlers what changed.
///
/// The recovery rules follow kube-rs' watcher and client-go's reflector:
///
/// 1. **List** every page, then **watch** from the list's resourceVersion with bookmarks, so
///    no change between the two is missed.
/// 2. When a watch ends (server timeout, dropped connection), **resume** from the last
///    resourceVersion seen (an event's or a bookmark's), without relisting. A watch that ends
///    without delivering anything, not even a bookmark, counts as a failure (rule 4).
/// 3. On **410 Gone** (that version was compacted away), **relist**: the cache is replaced
///    atomically when the whole list has arrived, and handlers receive the adds, updates and
///    deletes that happened while disconnected, as if they had been watched.
/// 4. Any other failure backs off exponentially with jitter on the injected clock (0.8 s …
///    30 s, like the reflector), reset after a healthy period, so it never hot-loops.
///
/// An optional ``Transform`` (client-go's `SetTransform`) rewrites every object before it is
/// cached or handed to handlers, so a large cache keeps only the fields its readers use; optional
/// ``OmittedFields`` go further and are never parsed nor decoded at all, which is most of the work
/// of listing tens of thousands of objects whose bulk the transform would drop anyway.
///
/// Handlers run synchronously on the informer's task, in event order; keep them short (enqueue a
/// key). A malformed object is logged and skipped by the client; it never poisons the rest.
/// ``hasSynced`` turns true once the first list has landed in the cache.
public final class Informer<Object: KubeObjectRepresentable>: Service {
    /// The callbacks of one consumer.
    public struct Handler: Sendable {
        public var onAdd: @Sendable (Object) -> Void
        public var onUpdate: @Sendable (_ old: Object, _ new: Object) -> Void
        public var onDelete: @Sendable (Object) -> Void

        public init(
            onAdd: @escaping @Sendable (Object) -> Void = { _ in },
            onUpdate: @escaping @Sendable (_ old: Object, _ new: Object) -> Void = { _, _ in },
            onDelete: @escaping @Sendable (Object) -> Void = { _ in }
        ) {
            self.onAdd = onAdd
            self.onUpdate = onUpdate
            self.onDelete = onDelete
        }

        /// A handler that only needs the key of whatever changed (the usual controller case).
        public static func enqueue(_ add: @escaping @Sendable (String) -> Void) -> Handler {
            Handler(
                onAdd: { add(ObjectCache<Object>.key(of: $0)) },
                onUpdate: { _, new in add(ObjectCache<Object>.key(of: new)) },
                onDelete: { add(ObjectCache<Object>.key(of: $0)) }
            )
        }
    }

    /// Rewrites an object before it is cached and handed to handlers, e.g. to drop fields no
    /// reader needs. It must keep the metadata the cache keys and indexes use (namespace, name,
    /// resourceVersion, uid, the labels the indexes read, ownerReferences), and must only be used
    /// for objects that are never written back from the cache: a trimmed object sent in an update
    /// would erase fields.
    public typealias Transform = @Sendable (Object) -> Object

    /// Backoff between failed lists or watches.
    public struct Backoff: Sendable {
        public var initial: Duration
        public var maximum: Duration
        /// The delay is multiplied by a random factor in `1 ..< 1 + jitter`.
        public var jitter: Double
        /// After this long without a failure the delay starts again from `initial`.
        public var resetAfter: Duration

        public init(
            initial: Duration = .milliseconds(800),
            maximum: Duration = .seconds(30),
            jitter: Double = 1.0,
            resetAfter: Duration = .seconds(120)
        ) {
            self.initial = initial
            self.maximum = maximum
            self.jitter = jitter
            self.resetAfter = resetAfter
        }

        /// The wait after `failures` consecutive failures: `initial × 2^(failures-1)`, capped at
        /// `maximum`, times a random factor in `1 ..< 1 + jitter`.
        public func delay(afterFailures failures: Int, using generator: inout some RandomNumberGenerator) -> Duration {
            var delay = initial
            for _ in 1..<max(1, failures) where delay < maximum { delay *= 2 }
            delay = min(delay, maximum)
            guard jitter > 0 else { return delay }
            return delay * (1 + Double.random(in: 0..<jitter, using: &generator))
        }
    }

    public let cache: ObjectCache<Object>
    let client: ResourceClient<Object>
    let labelSelector: String?
    let fieldSelector: String?
    let pageSize: Int?
    let omitted: OmittedFields
    let transform: Transform?
    let clock: any WallClock
    let backoff: Backoff
    let logger: Logger
    let watchRestarts: Counter
    let relists: Counter
    private let handlers = Mutex<[Handler]>([])
    private struct SyncState {
        var hasSynced = false
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waiters cancelled before they were registered.
        var cancelled: Set<UInt64> = []
    }

    private let sync = Mutex(SyncState())

    /// - Parameters:
    ///   - client: the resource (and namespace, or all namespaces) to follow.
    ///   - labelSelector: server-side filter, e.g. `app.kubernetes.io/managed-by=punctual`.
    ///   - fieldSelector: server-side field filter.
    ///   - pageSize: objects per list page (client-go's reflector uses 500); `nil` lists in one.
    ///   - indexers: secondary indexes of the cache (see ``ObjectCache``).
    ///   - omitted: members of listed and watched objects that are never parsed nor decoded (see
    ///     ``OmittedFields``): they are absent from cached objects, as if the transform had
    ///     dropped them. Only members the decoded model treats as optional.
    ///   - transform: applied to every listed or watched object before it is cached (see
    ///     ``Transform``); `nil` caches objects as decoded.
    ///   - clock: backoff waits on it.
    ///   - metricsFactory: where `informer_watch_restarts_total` and `informer_relists_total`
    ///     (labelled `resource`) go; defaults to the process-wide `MetricsSystem`.
    public init(
        client: ResourceClient<Object>,
        labelSelector: String? = nil,
        fieldSelector: String? = nil,
        pageSize: Int? = 500,
        indexers: [String: ObjectCache<Object>.IndexFunction] = [:],
        omitting omitted: OmittedFields = OmittedFields(),
        transform: Transform? = nil,
        clock: any WallClock,
        backoff: Backoff = Backoff(),
        logger: Logger = Logger(label: "punctual.informer"),
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.client = client
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.pageSize = pageSize
        self.omitted = omitted
        self.transform = transform
        self.cache = ObjectCache(indexers: indexers)
        self.clock = clock
        self.backoff = backoff
        var logger = logger
        logger[metadataKey: "resource"] = "\(client.resource)"
        self.logger = logger
        let factory = metricsFactory ?? MetricsSystem.factory
        let dimensions = [("resource", "\(client.resource)")]
        watchRestarts = Counter(label: "informer_watch_restarts_total", dimensions: dimensions, factory: factory)
        relists = Counter(label: "informer_relists_total", dimensions: dimensions, factory: factory)
    }

    // MARK: - Consumers

    /// Adds a consumer. Add handlers before ``run()``: a late handler misses earlier events
    /// (it can read the cache instead).
    public func addHandler(_ handler: Handler) {
        handlers.withLock { $0.append(handler) }
    }

    /// Whether the first complete list has landed in the cache.
    public var hasSynced: Bool { sync.withLock { $0.hasSynced } }

    /// Waits until ``hasSynced``.
    ///
    /// Returns early when the calling task is cancelled: a controller stopped before its caches
    /// synced (the API server unreachable since it started) must still stop.
    public func waitUntilSynced() async {
        let id = sync.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = sync.withLock { state in
                    if state.hasSynced || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, Never>? = sync.withLock { state in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                if !state.hasSynced { state.cancelled.insert(id) }
                return nil
            }
            waiter?.resume()
        }
    }

    // MARK: - Running

    /// Lists and watches until cancelled or gracefully shut down.
    public func run() async {
        await cancelWhenGracefulShutdown {
            await self.listAndWatch()
        }
    }

    private func listAndWatch() async {
        var resourceVersion: String?
        var failures = 0
        var lastFailure: WallInstant?
        var previousWasGone = false
        var generator = SystemRandomNumberGenerator()
        while !Task.isCancelled {
            let mustBackOff: Bool
            do {
                if resourceVersion == nil {
                    resourceVersion = try await relist()
                }
                let delivered = try await watch(from: &resourceVersion, using: &generator)
                // The server ended the watch (its timeout, a dropped connection): resume from the
                // last version. A watch that delivered nothing at all, not even a bookmark, is
                // treated as a failure so a server that closes every watch at once is not
                // hammered.
                watchRestarts.increment()
                logger.debug(
                    "watch ended; resuming",
                    metadata: ["resourceVersion": "\(resourceVersion ?? "")", "events": "\(delivered)"]
                )
                mustBackOff = delivered == 0
                previousWasGone = false
            } catch let error as KubeError where error.isGone {
                watchRestarts.increment()
                logger.info("resourceVersion too old (410); relisting", metadata: ["error": "\(error)"])
                resourceVersion = nil
                // Relist at once, unless the last attempt already ended in 410 (no hot loop).
                mustBackOff = previousWasGone
                previousWasGone = true
            } catch {
                if Task.isCancelled { return }
                watchRestarts.increment()
                logger.warning("list/watch failed; backing off", metadata: ["error": "\(error)"])
                mustBackOff = true
                previousWasGone = false
            }
            guard mustBackOff else { continue }
            let now = clock.now
            if let lastFailure, lastFailure.duration(to: now) >= backoff.resetAfter { failures = 0 }
            failures += 1
            lastFailure = now
            do {
                try await clock.sleep(for: backoff.delay(afterFailures: failures, using: &generator))
            } catch {
                return
            }
        }
    }

    /// Lists everything and replaces the cache atomically; returns the list's resourceVersion.
    private func relist() async throws -> String {
        relists.increment()
        // Transformed page by page, so that a relist holds one page of whole objects, not all.
        let list = try await client.list(
            options: ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector, limit: pageSize),
            omitting: omitted, transform: transform ?? { $0 })
        let delta = cache.replace(with: list.items)
        let handlers = handlers.withLock { $0 }
        for handler in handlers {
            for object in delta.added { handler.onAdd(object) }
            for (old, new) in delta.updated { handler.onUpdate(old, new) }
            for object in delta.deleted { handler.onDelete(object) }
        }
        markSynced()
        return list.resourceVersion
    }

    /// Watches from `resourceVersion`, keeping it at the last version seen, until the stream
    /// ends; returns how many events (bookmarks included) arrived.
    private func watch(
        from resourceVersion: inout String?,
        using generator: inout some RandomNumberGenerator
    ) async throws -> Int {
        let options = WatchOptions(
            resourceVersion: resourceVersion,
            labelSelector: labelSelector,
            fieldSelector: fieldSelector,
            allowWatchBookmarks: true,
            // Like client-go's reflector: the server ends each watch after 5-10 minutes, so
            // connections are spread over API server replicas and never silently stale.
            timeoutSeconds: Int.random(in: 300...600, using: &generator)
        )
        let stream = try await client.watch(options: options, omitting: omitted) { [logger] skipped in
            logger.warning("skipped a malformed watch event", metadata: ["detail": "\(skipped)"])
        }
        var delivered = 0
        for try await event in stream {
            delivered += 1
            apply(event)
            if let version = event.resourceVersion { resourceVersion = version }
        }
        return delivered
    }

    private func apply(_ event: WatchEvent<Object>) {
        let handlers = handlers.withLock { $0 }
        switch transformed(event) {
        case .added(let object), .modified(let object):
            if let old = cache.upsert(object) {
                for handler in handlers { handler.onUpdate(old, object) }
            } else {
                for handler in handlers { handler.onAdd(object) }
            }
        case .deleted(let object):
            // A delete of an object never cached (e.g. created and deleted while a relist was
            // in flight) is nothing the handlers need to hear about.
            guard cache.remove(forKey: ObjectCache<Object>.key(of: object)) != nil else { return }
            for handler in handlers { handler.onDelete(object) }
        case .bookmark:
            break
        }
    }

    private func transformed(_ event: WatchEvent<Object>) -> WatchEvent<Object> {
        guard let transform else { return event }
        switch event {
        case .added(let object): return .added(transform(object))
        case .modified(let object): return .modified(transform(object))
        case .deleted(let object): return .deleted(transform(object))
        case .bookmark: return event
        }
    }

    private func markSynced() {
        let waiters = sync.withLock { state in
            state.hasSynced = true
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
