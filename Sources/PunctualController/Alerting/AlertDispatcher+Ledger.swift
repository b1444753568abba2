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
        return Known(
            uid: task.metadata.uid, ledger: AlertLedger(annotations: task.metadata.annotations),
            problem: task.metadata.annotations?[ScheduledTask.alertingProblemAnnotation])
    }

    /// Changes the task's ledger and writes it (and the problem annotation, unless kept) to the
    /// task when anything changed. Writes are serialised, so they land in the order made.
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
        let (patch, previous) = state.withLock { state -> ([String: JSONValue], Known?) in
            let previous = state.known[key]
            var current = known(task, in: state)
            let before = current
            change(&current.ledger)
            if !keepProblem { current.problem = problem }
            state.known[key] = current
            var annotations: [String: JSONValue] = [:]
            if current.ledger != before.ledger {
                annotations[ScheduledTask.alertsAnnotation] = .string(current.ledger.annotationValue)
            }
            if current.problem != before.problem {
                annotations[ScheduledTask.alertingProblemAnnotation] = current.problem.map(JSONValue.string) ?? .null
            }
            return (annotations, previous)
        }
        var failure: LedgerWriteError?
        if !patch.isEmpty {
            failure = await write(patch, to: task, key: key)
            if failure != nil && undoingOnFailure { state.withLock { $0.known[key] = previous } }
        }
        await writeGate.release()
        if let failure { throw failure }
    }

    /// Patches the annotations; nil when written (or the task is gone).
    private func write(_ annotations: [String: JSONValue], to task: ScheduledTask, key: String) async
        -> LedgerWriteError?
    {
        let tasks = client.dynamic(ScheduledTask.resourceType, namespace: task.metadata.namespace)
        do {
            _ = try await tasks.patch(
                task.metadata.name ?? "", patch: .merge(["metadata": ["annotations": .object(annotations)]]),
                options: WriteOptions(isSafeToRetry: true))
        } catch let error as KubeError where error.isNotFound {
            _ = state.withLock { $0.known.removeValue(forKey: key) }
        } catch {
            logger.warning("cannot record alerts on the task", metadata: ["task": "\(key)", "error": "\(error)"])
            return LedgerWriteError(task: key, underlying: error)
        }
        return nil
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
