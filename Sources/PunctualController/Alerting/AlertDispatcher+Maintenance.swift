import Alerting
import Foundation
import KubeClient
import ServiceLifecycle

// MARK: - Running: deliveries and the periodic maintenance pass

extension AlertDispatcher {
    /// Runs the deliveries and, while leading, the maintenance pass until graceful shutdown.
    ///
    /// On graceful shutdown (the controller, shut down first, has released its lease) the
    /// maintenance pass stops at once, and the deliveries are drained: the attempts in progress
    /// end and record their outcome, for at most ``Configuration/drainLimit``; the queued ones
    /// stay `pending` in their ledgers for the next leader. Cancelling instead would lose the
    /// `sent` record of a delivery that went out, and the next leader would send it again.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.deliverUntilDrained() }
            group.addTask { await cancelWhenGracefulShutdown { await self.maintainPeriodically() } }
        }
    }

    private func deliverUntilDrained() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.delivery.run()
                await self.storeUnstoredOutcomesWhileDraining()
            }
            group.addTask {
                do {
                    try await gracefulShutdown()
                    self.delivery.drain()
                    try await self.clock.sleep(for: self.configuration.drainLimit)
                    self.logger.warning(
                        "alert deliveries or their records still in progress at the end of the drain limit",
                        metadata: [
                            "limit": "\(self.configuration.drainLimit)",
                            "unstoredOutcomes": "\(self.unstoredOutcomeCount)",
                        ])
                } catch {
                    // Cancelled: so is the delivery.
                }
            }
            // Drained, or the limit passed, or cancelled: the other one ends too.
            _ = await group.next()
            group.cancelAll()
        }
    }

    /// Once the deliveries have drained: writes the outcomes whose ledger write failed (an API
    /// outage, which may also be what cost the lease), retrying until they are stored or the
    /// drain limit ends the drain. A delivery that went out and is recorded nowhere would be sent
    /// again by the next leader.
    private func storeUnstoredOutcomesWhileDraining() async {
        guard delivery.isDraining else { return }
        var wait = Duration.seconds(1)
        while !Task.isCancelled, await storeUnstoredOutcomes() > 0 {
            do {
                try await clock.sleep(for: wait)
            } catch {
                return
            }
            wait = min(wait * 2, .seconds(4))
        }
    }

    private func maintainPeriodically() async {
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: configuration.resendInterval)
            } catch {
                return
            }
            guard let source = state.withLock({ $0.source }), source.isLeading() else { continue }
            await maintain(source.tasks())
        }
    }

    /// One pass over `tasks` (as the cache shows them: their stored status): sends pending
    /// alerts nobody delivers (recorded by a previous leader, or by this one when its status
    /// write was given up) whose outcome the stored status records, finishes those whose run it
    /// records otherwise (`failed`, with the reason), and keeps the others pending; re-posts firing
    /// Alertmanager alerts of tasks still failing, and resolves those of tasks that are not (also
    /// when the task does not plan Recovered alerts).
    func maintain(_ tasks: [ScheduledTask]) async {
        // Forget the ledgers of deleted tasks (the ledger went with the task).
        let present = Set(tasks.map(StatusWriter.key(of:)))
        state.withLock { state in
            state.known = state.known.filter { present.contains($0.key) }
            state.unstored = state.unstored.filter { present.contains($0.key) }
        }
        writeGates.withLock { gates in gates = gates.filter { present.contains($0.key) } }
        // Outcomes whose write failed: until stored, a next leader would send them again.
        await storeUnstoredOutcomes()
        for task in tasks {
            let ledger = ledger(of: task)
            let orphaned = state.withLock { state in ledger.pending.filter { !state.inFlight.contains($0.key) } }
            guard !orphaned.isEmpty || !ledger.firing.isEmpty else { continue }
            let resolution = await receivers(of: task)
            // Receivers unknown for now (a Secret unreadable for a passing reason): taking them for
            // removed would abandon the pending alerts and forget the firing ones. Next pass.
            guard resolution.transientProblems.isEmpty else { continue }
            let byName = Dictionary(resolution.receivers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

            var abandoned: [(key: String, reason: String)] = []
            // Firing alerts no longer tracked: resolved, unsent, or their receiver gone.
            var stopped: [String] = []
            for entry in orphaned {
                guard let receiver = byName[entry.receiver], let alert = entry.alert else {
                    // The receiver was removed from the spec (or its Secret is gone): nobody to tell.
                    abandoned.append((entry.key, "not sent: receiver \(entry.receiver) is no longer configured"))
                    stopped.append(entry.key)
                    continue
                }
                switch RecordedOutcome.of(alert, in: task.status) {
                case .recorded: break
                case .undecided: continue
                case .contradicted(let how):
                    abandoned.append((entry.key, "not sent: \(how)"))
                    stopped.append(entry.key)
                    continue
                }
                let isNew = state.withLock { $0.inFlight.insert(entry.key).inserted }
                guard isNew else { continue }
                await submit(tracked(Delivery(receiver: receiver, content: .alert(alert)), key: entry.key, task: task))
            }

            let isFailing = (task.status?.consecutiveFailures ?? 0) > 0
            for firing in ledger.firing {
                let key = AlertLedger.key(firing.alert, receiver: firing.receiver)
                // Not sent yet: it fires once its status is stored (or is dropped, above, if never).
                guard ledger.entry(key)?.state != .pending else { continue }
                guard let receiver = byName[firing.receiver] else {
                    stopped.append(key)
                    continue
                }
                if isFailing {
                    await submit(Delivery(receiver: receiver, content: .alert(firing.alert)))
                } else {
                    await submit(Delivery(receiver: receiver, content: .resolve(firing.alert)))
                    stopped.append(key)
                }
            }
            guard !abandoned.isEmpty || !stopped.isEmpty else { continue }
            try? await withLedger(of: task, problem: nil, keepProblem: true) { ledger in
                for (key, reason) in abandoned { ledger.finish(key, as: .failed, reason: reason) }
                for key in stopped { ledger.stopFiring(key) }
            }
        }
    }
}
