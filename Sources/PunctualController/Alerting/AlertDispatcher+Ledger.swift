import Alerting
import Foundation
import KubeClient
import Logging

// MARK: - The ledger annotation, receivers and problem reports

extension AlertDispatcher {
    /// The task's ledger as this process knows it: the newest one written, else the one on the task.
    func ledger(of task: ScheduledTask) -> AlertLedger {
        state.withLock { state in known(task, in: state).ledger }
    }

    private func known(_ task: ScheduledTask, in state: State) -> Known {
        if let known = state.known[StatusWriter.key(of: task)], known.uid == task.metadata.uid { return known }
        return Known(task)
    }

    /// How often a ledger write is tried on a fresh read of the task after its condition failed.
    static let ledgerWriteAttempts = 3

    /// Changes the task's ledger and writes it (and the problem annotation, unless kept) to the
    /// task when anything changed. A task's writes are serialised, so they land in the order made;
    /// different tasks' writes do not wait for each other.
    ///
    /// The annotation is written whole, so the write is conditional on the ledger text it was
    /// derived from (a JSON patch `test`). When the stored ledger is not that one (another leader
    /// wrote it since, and this process's copy or cache is behind), the task is read again, what
    /// this process knows and the stored ledger does not (outcomes whose own write failed; records
    /// the stored one lacks) is carried over, and `change` is applied to that instead (`change`
    /// must be repeatable: it may run more than once).
    ///
    /// When the write fails, the change is undone in memory if `undoingOnFailure` (the caller
    /// gives up on it: a pending record that is not in the cluster must not deduplicate the
    /// retry), else kept (an outcome this process knows: it still deduplicates for this leader).
    /// A task that is gone is not a failure: the ledger went with it.
    ///
    /// With `fromStored`, what is written is the difference between the stored ledger and this
    /// process's, not only `change`'s: that writes again what an earlier write failed to store.
    ///
    /// - Throws: ``LedgerWriteError`` when the patch failed.
    func withLedger(
        of task: ScheduledTask, problem: String?, keepProblem: Bool = false, undoingOnFailure: Bool = false,
        fromStored: Bool = false, _ change: (inout AlertLedger) -> Void
    ) async throws(LedgerWriteError) {
        let key = StatusWriter.key(of: task)
        let writeGate = writeGate(for: key)
        await writeGate.acquire()
        let previous = state.withLock { $0.known[key] }
        var reread: Known?
        /// What this process knew before the change, carried over onto a ledger read again.
        var carried: AlertLedger?
        var failure: LedgerWriteError?
        attempts: for attempt in 1...Self.ledgerWriteAttempts {
            let (operations, written) = state.withLock { state -> ([JSONPatchOperation], Known) in
                var current = reread ?? known(task, in: state)
                var before = current
                if fromStored, reread == nil { before.ledger = current.storedLedger }
                if let carried { current.ledger.carryOver(from: carried) }
                change(&current.ledger)
                if !keepProblem { current.problem = problem }
                state.known[key] = current
                let operations = before.operations(to: current)
                return (operations, current.stored(after: before, by: operations))
            }
            failure = nil
            guard !operations.isEmpty else { break }
            switch await write(operations, to: task, key: key) {
            case .written(let resourceVersion):
                state.withLock { state in
                    guard state.known[key]?.uid == written.uid else { return }
                    state.known[key]?.storedText = written.storedText
                    state.known[key]?.hasAnnotations = written.hasAnnotations
                    state.known[key]?.resourceVersion = resourceVersion
                }
                break attempts
            case .gone:
                _ = state.withLock { $0.known.removeValue(forKey: key) }
                break attempts
            case .conditionFailed(let error):
                failure = LedgerWriteError(task: key, underlying: error)
                guard attempt < Self.ledgerWriteAttempts else { break attempts }
                switch await read(task, key: key) {
                case .some(.some(let fresh)):
                    reread = fresh
                    carried = previous?.uid == fresh.uid ? previous?.ledger : nil
                case .some(.none):
                    failure = nil
                    _ = state.withLock { $0.known.removeValue(forKey: key) }
                    break attempts
                case .none:
                    break attempts
                }
            case .failed(let error):
                failure = LedgerWriteError(task: key, underlying: error)
                break attempts
            }
        }
        if failure != nil && undoingOnFailure { state.withLock { $0.known[key] = previous } }
        await writeGate.release()
        if let failure { throw failure }
    }

    private enum LedgerWrite {
        /// Written; the task's new resourceVersion.
        case written(String?)
        /// The task is gone, and the ledger with it.
        case gone
        /// The stored ledger (or, for a task without one, the task) is not the one the change was
        /// derived from.
        case conditionFailed(any Error)
        case failed(any Error)
    }

    /// Applies the conditional patch.
    private func write(_ operations: [JSONPatchOperation], to task: ScheduledTask, key: String) async -> LedgerWrite {
        let tasks = client.dynamic(ScheduledTask.resourceType, namespace: task.metadata.namespace)
        do {
            let written = try await tasks.patch(
                task.metadata.name ?? "", patch: .json(operations), options: WriteOptions(isSafeToRetry: true))
            // Decoded only when a controller listens (the dispatcher alone has no status writer).
            if let source = state.withLock({ $0.source }), let stored = try? written.decode(as: ScheduledTask.self) {
                source.noteStored(stored)
            }
            return .written(written[path: ["metadata", "resourceVersion"]]?.stringValue)
        } catch let error as KubeError where error.isNotFound {
            return .gone
        } catch let error as KubeError where error.code == 422 || error.isConflict {
            return .conditionFailed(error)
        } catch {
            logger.warning("cannot record alerts on the task", metadata: ["task": "\(key)", "error": "\(error)"])
            return .failed(error)
        }
    }

    /// The task as stored now, for a ledger write whose condition failed: `.some(nil)` when it
    /// is gone, nil when it cannot be read.
    private func read(_ task: ScheduledTask, key: String) async -> Known?? {
        let tasks = client.resource(ScheduledTask.self, namespace: task.metadata.namespace)
        do {
            return .some(Known(try await tasks.get(task.metadata.name ?? "")))
        } catch let error as KubeError where error.isNotFound {
            return .some(nil)
        } catch {
            logger.warning("cannot read the task to record alerts", metadata: ["task": "\(key)", "error": "\(error)"])
            return nil
        }
    }

    // MARK: - Receivers

    /// The task's receivers with their Secrets read; the controller-wide defaults when it declares none.
    func receivers(of task: ScheduledTask) async -> ReceiverResolution {
        let specs = task.spec.alerting?.receivers ?? []
        guard !specs.isEmpty else { return await defaultReceivers() }
        var resolver = ReceiverResolver(client: client, namespace: task.metadata.namespace ?? "default")
        return await resolver.resolve(specs)
    }

    /// The controller-wide defaults. A defaults Secret that is missing or malformed is logged and
    /// means no receivers; one that cannot be read for a passing reason is a transient problem.
    private func defaultReceivers() async -> ReceiverResolution {
        guard let name = configuration.defaultReceiversSecret else { return ReceiverResolution() }
        let namespace = configuration.controllerNamespace
        let metadata: Logger.Metadata = ["secret": "\(namespace)/\(name)", "key": "\(DefaultReceivers.key)"]
        do {
            let secret = try await client.resource(Secret.self, namespace: namespace).get(name)
            guard let text = secret.string(forKey: DefaultReceivers.key) else {
                logger.warning("the default alert receivers Secret has no such key", metadata: metadata)
                return ReceiverResolution()
            }
            return ReceiverResolution(receivers: try DefaultReceivers.parse(Data(text.utf8)))
        } catch let error as DefaultReceivers.FormatError {
            logger.warning("the default alert receivers are malformed: \(error)", metadata: metadata)
        } catch {
            let detail = (error as? KubeError)?.message ?? "\(error)"
            logger.warning(
                "cannot read the default alert receivers Secret",
                metadata: metadata.merging(["error": "\(detail)"]) { a, _ in a })
            if (error as? KubeError)?.isRetryable ?? true {
                return ReceiverResolution(problems: [
                    .init(
                        reason: "SecretUnreadable", message: "cannot read Secret \(namespace)/\(name): \(detail)",
                        isTransient: true)
                ])
            }
        }
        return ReceiverResolution()
    }

    /// A Warning Event (deduplicated by the recorder) for receivers that cannot be used.
    func report(_ resolution: ReceiverResolution, for task: ScheduledTask) async {
        guard !resolution.problems.isEmpty else { return }
        let message =
            "alert receivers cannot be used: "
            + resolution.problems.map(\.description).joined(separator: "; ")
        logger.warning(
            "alert receivers cannot be used",
            metadata: ["task": "\(StatusWriter.key(of: task))", "problems": "\(resolution.problems.count)"])
        do {
            try await events.record(
                PlannedEvent(type: .warning, reason: "AlertReceiverUnresolved", message: message), about: task)
        } catch {
            logger.warning("cannot record an event", metadata: ["task": "\(StatusWriter.key(of: task))"])
        }
    }
}

extension AlertDispatcher.Known {
    /// What `task` shows: its ledger and problem annotations, as stored at its resourceVersion.
    init(_ task: ScheduledTask) {
        let annotations = task.metadata.annotations
        self.init(
            uid: task.metadata.uid, ledger: AlertLedger(annotations: annotations),
            problem: annotations?[ScheduledTask.alertingProblemAnnotation],
            storedText: annotations?[ScheduledTask.alertsAnnotation], resourceVersion: task.metadata.resourceVersion,
            hasAnnotations: annotations != nil)
    }

    /// The ledger as stored, as far as this process knows.
    var storedLedger: AlertLedger {
        AlertLedger(annotations: storedText.map { [ScheduledTask.alertsAnnotation: $0] })
    }

    private static let ledgerPath = "/metadata/annotations/" + JSONPatchOperation.escape(ScheduledTask.alertsAnnotation)

    /// The JSON patch that turns what is stored (`self`) into `next`, on condition that the
    /// stored ledger is still the one `self` knows; empty when nothing changed.
    func operations(to next: Self) -> [JSONPatchOperation] {
        var changes: [(key: String, value: String?)] = []
        if next.ledger != ledger { changes.append((ScheduledTask.alertsAnnotation, next.ledger.annotationValue)) }
        if next.problem != problem { changes.append((ScheduledTask.alertingProblemAnnotation, next.problem)) }
        guard !changes.isEmpty else { return [] }
        var operations: [JSONPatchOperation] = []
        if let storedText {
            operations.append(.test(path: Self.ledgerPath, value: .string(storedText)))
        } else if let resourceVersion {
            // No ledger yet: nobody may have written one since the task was read.
            operations.append(.test(path: "/metadata/resourceVersion", value: .string(resourceVersion)))
        }
        if hasAnnotations {
            for (key, value) in changes {
                let path = "/metadata/annotations/" + JSONPatchOperation.escape(key)
                if let value {
                    operations.append(.add(path: path, value: .string(value)))
                } else {
                    operations.append(.remove(path: path))
                }
            }
        } else {
            let added = changes.compactMap { change in change.value.map { (change.key, JSONValue.string($0)) } }
            guard !added.isEmpty else { return [] }
            operations.append(
                .add(
                    path: "/metadata/annotations",
                    value: .object(Dictionary(added, uniquingKeysWith: { _, last in last }))))
        }
        return operations
    }

    /// `self` as stored once `operations` (from `before`) are applied: its ledger text is the
    /// condition of the next write.
    func stored(after before: Self, by operations: [JSONPatchOperation]) -> Self {
        var stored = self
        stored.storedText = ledger != before.ledger ? ledger.annotationValue : before.storedText
        stored.hasAnnotations =
            before.hasAnnotations || operations.contains { if case .add = $0 { true } else { false } }
        return stored
    }
}
