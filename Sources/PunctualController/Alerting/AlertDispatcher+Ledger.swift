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
        let shown = Known(task)
        guard var known = state.known[StatusWriter.key(of: task)], known.uid == task.metadata.uid else { return shown }
        // The task shows this process's newest ledger: its version (newer, after status writes)
        // is as good a base, and spares the write a conflict.
        if shown.ledger == known.ledger && shown.problem == known.problem {
            known.resourceVersion = shown.resourceVersion
        }
        return known
    }

    /// How often a ledger write is tried again on a fresh read of the task after a conflict.
    static let ledgerWriteAttempts = 3

    /// Changes the task's ledger and writes it (and the problem annotation, unless kept) to the
    /// task when anything changed. Writes are serialised, so they land in the order made.
    ///
    /// The annotation is written whole, so the write is conditional on the resourceVersion the
    /// ledger was read at: when another writer changed the task since (a previous leader whose
    /// last ledger write this process's cache did not show yet), the task is read again and
    /// `change` is applied to the stored ledger instead of overwriting it (`change` must be
    /// repeatable: it may run more than once).
    ///
    /// When the write fails, the change is undone in memory if `undoingOnFailure` (the caller
    /// gives up on it: a pending record that is not in the cluster must not deduplicate the
    /// retry), else kept (an outcome this process knows: it still deduplicates for this leader).
    /// A task that is gone is not a failure: the ledger went with it.
    ///
    /// - Throws: ``LedgerWriteError`` when the patch failed.
    func withLedger(
        of task: ScheduledTask, problem: String?, keepProblem: Bool = false, undoingOnFailure: Bool = false,
        _ change: (inout AlertLedger) -> Void
    ) async throws(LedgerWriteError) {
        await writeGate.acquire()
        let key = StatusWriter.key(of: task)
        let previous = state.withLock { $0.known[key] }
        var reread: Known?
        var failure: LedgerWriteError?
        attempts: for attempt in 1...Self.ledgerWriteAttempts {
            let (patch, version) = state.withLock { state -> ([String: JSONValue], String?) in
                var current = reread ?? known(task, in: state)
                let before = current
                change(&current.ledger)
                if !keepProblem { current.problem = problem }
                state.known[key] = current
                var annotations: [String: JSONValue] = [:]
                if current.ledger != before.ledger {
                    annotations[ScheduledTask.alertsAnnotation] = .string(current.ledger.annotationValue)
                }
                if current.problem != before.problem {
                    annotations[ScheduledTask.alertingProblemAnnotation] =
                        current.problem.map(JSONValue.string) ?? .null
                }
                return (annotations, current.resourceVersion)
            }
            failure = nil
            guard !patch.isEmpty else { break }
            switch await write(patch, to: task, key: key, resourceVersion: version) {
            case .written(let version):
                state.withLock { $0.known[key]?.resourceVersion = version }
                break attempts
            case .conflict(let error):
                failure = LedgerWriteError(task: key, underlying: error)
                guard attempt < Self.ledgerWriteAttempts, let fresh = await read(task, key: key) else { break attempts }
                reread = fresh
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
        /// Written (or the task is gone, and the ledger with it); the task's new resourceVersion.
        case written(String?)
        /// The task changed since `resourceVersion`.
        case conflict(any Error)
        case failed(any Error)
    }

    /// Patches the annotations, on condition that the task is still at `resourceVersion`.
    private func write(
        _ annotations: [String: JSONValue], to task: ScheduledTask, key: String, resourceVersion: String?
    ) async -> LedgerWrite {
        let tasks = client.dynamic(ScheduledTask.resourceType, namespace: task.metadata.namespace)
        var metadata: JSONValue = ["annotations": .object(annotations)]
        if let resourceVersion { metadata["resourceVersion"] = .string(resourceVersion) }
        do {
            let written = try await tasks.patch(
                task.metadata.name ?? "", patch: .merge(["metadata": metadata]),
                options: WriteOptions(isSafeToRetry: true))
            return .written(written[path: ["metadata", "resourceVersion"]]?.stringValue)
        } catch let error as KubeError where error.isNotFound {
            _ = state.withLock { $0.known.removeValue(forKey: key) }
            return .written(nil)
        } catch let error as KubeError where error.isConflict {
            return .conflict(error)
        } catch {
            logger.warning("cannot record alerts on the task", metadata: ["task": "\(key)", "error": "\(error)"])
            return .failed(error)
        }
    }

    /// The task as stored now, for a ledger write that conflicted; nil when it cannot be read.
    private func read(_ task: ScheduledTask, key: String) async -> Known? {
        let tasks = client.resource(ScheduledTask.self, namespace: task.metadata.namespace)
        do {
            return Known(try await tasks.get(task.metadata.name ?? ""))
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
    /// What `task` shows: its ledger and problem annotations, at its resourceVersion.
    init(_ task: ScheduledTask) {
        self.init(
            uid: task.metadata.uid, ledger: AlertLedger(annotations: task.metadata.annotations),
            problem: task.metadata.annotations?[ScheduledTask.alertingProblemAnnotation],
            resourceVersion: task.metadata.resourceVersion)
    }
}
