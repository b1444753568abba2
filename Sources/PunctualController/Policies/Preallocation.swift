import Foundation
import KubeClient

// MARK: - Pre-allocation: placeholder Pods before each slot

extension DecisionState {
    /// The placeholders one slot wants.
    struct WantedReservation {
        let slot: Date
        /// Placeholder names, index order.
        let names: [String]
        /// The spec hash current placeholders carry.
        let specHash: String
    }

    /// Keeps exactly the wanted placeholder Pods: from `leadSeconds` before the next slot's due
    /// instant until that instant, one per pod the run starts at once; none otherwise.
    ///
    /// At the due instant the placeholders are deleted in the reconcile that creates the Job
    /// (after the create, before anything else), and also when no Job is created (Forbid,
    /// suspended, past the deadline, schedule edited): a placeholder whose slot is due or past is
    /// always deleted, so orphans of a crashed or replaced leader go with the next reconcile.
    /// `status.reservation` shows how far the scheduler placed them; a slot that arrives with its
    /// reservation incomplete gets a Warning Event `ReservationUnschedulable`.
    mutating func reserveCapacity() {
        let wanted = wantedReservation()
        let held = observation.placeholders
        concludeReservation(held: held, wanted: wanted)
        var present: Set<String> = []
        var kept: [Pod] = []
        for pod in held {
            guard let name = pod.metadata.name else { continue }
            present.insert(name)
            if pod.metadata.deletionTimestamp != nil { continue }
            if let reason = deletionReason(pod, name: name, wanted: wanted) {
                actions.append(
                    .deletePlaceholder(PlaceholderDeletion(name: name, uid: pod.metadata.uid, reason: reason)))
            } else {
                kept.append(pod)
            }
        }
        guard let wanted else {
            status.reservation = nil
            return
        }
        let image = settings.placeholderImage
        for (index, name) in wanted.names.enumerated() where !present.contains(name) {
            let pod = PlaceholderBuilder.pod(
                for: observation.task, slot: wanted.slot, jobName: JobNaming.name(task: taskName, slot: wanted.slot),
                index: index, image: image)
            actions.append(.createPlaceholder(PlaceholderCreation(name: name, slot: wanted.slot, pod: pod)))
        }
        recordReservation(wanted, kept: kept)
    }

    /// The slot to hold capacity for now, if any; requeues for the start of the next window.
    private mutating func wantedReservation() -> WantedReservation? {
        guard let schedule, !isSuspended, let lead = spec.priority?.preAllocate?.leadSeconds, lead > 0 else {
            return nil
        }
        let count = PlaceholderBuilder.podCount(spec)
        guard count > 0, let slot = schedule.next(after: now.addingTimeInterval(-jitter)) else { return nil }
        let windowStart = dueInstant(of: slot).addingTimeInterval(-TimeInterval(lead))
        guard now >= windowStart else {
            due(at: windowStart)
            return nil
        }
        let jobName = JobNaming.name(task: taskName, slot: slot)
        return WantedReservation(
            slot: slot, names: (0..<count).map { PlaceholderBuilder.name(jobName: jobName, index: $0) },
            specHash: PlaceholderBuilder.specHash(spec, image: settings.placeholderImage))
    }

    /// Why an observed placeholder must go, or nil when it is one of the wanted ones.
    private func deletionReason(
        _ pod: Pod, name: String, wanted: WantedReservation?
    ) -> PlaceholderDeletion.Reason? {
        let slot = pod.placeholderSlot
        if let slot, dueInstant(of: slot) <= now { return .slotDue }
        guard let wanted, slot == wanted.slot, wanted.names.contains(name) else { return .notWanted }
        if pod.metadata.annotations?[PlaceholderBuilder.specHashAnnotation] != wanted.specHash { return .outdated }
        // Evicted or preempted: it holds nothing any more; a fresh one queues for room again.
        if pod.status?.phase == "Failed" || pod.status?.phase == "Succeeded" { return .ended }
        return nil
    }

    /// Sets `status.reservation` from the kept placeholders, with an Event when the slot's
    /// reservation starts and when it is complete.
    private mutating func recordReservation(_ wanted: WantedReservation, kept: [Pod]) {
        let placed = kept.filter(\.isPlaced).count
        let refusal = kept.lazy.compactMap(\.schedulingRefusal).first
        let phase: ScheduledTaskStatus.Reservation.Phase =
            if placed == wanted.names.count {
                .reserved
            } else if placed > 0 {
                .partial
            } else if refusal != nil {
                .unschedulable
            } else {
                .pending
            }
        let before = previous.reservation?.slot == wanted.slot ? previous.reservation : nil
        if before == nil {
            event(
                .normal, "Reserving",
                "holding capacity for slot \(describe(wanted.slot)) with \(wanted.names.count) placeholder pod(s)")
        }
        if phase == .reserved, before?.phase != .reserved {
            event(.normal, "Reserved", "capacity for slot \(describe(wanted.slot)) is held")
        }
        status.reservation = .init(
            slot: wanted.slot, pods: wanted.names.count, placed: placed, phase: phase,
            message: phase == .reserved ? nil : refusal)
    }

    /// When the reservation status recorded has reached its slot, reports whether it was complete:
    /// a Warning Event `ReservationUnschedulable` when capacity was missing at the slot.
    private mutating func concludeReservation(held: [Pod], wanted: WantedReservation?) {
        guard let recorded = previous.reservation, recorded.slot != wanted?.slot,
            dueInstant(of: recorded.slot) <= now
        else { return }
        let own = held.filter { $0.placeholderSlot == recorded.slot && $0.metadata.deletionTimestamp == nil }
        let placed = own.isEmpty ? recorded.placed : own.filter(\.isPlaced).count
        guard placed < recorded.pods else { return }
        let refusal = own.lazy.compactMap(\.schedulingRefusal).first ?? recorded.message
        event(
            .warning, "ReservationUnschedulable",
            "only \(placed) of \(recorded.pods) placeholder pod(s) for slot \(describe(recorded.slot)) were placed "
                + "by the slot" + (refusal.map { ": \($0)" } ?? ""))
    }
}

// MARK: - Placeholder readings

extension Pod {
    /// The slot a placeholder holds capacity for (its `punctual.dev/placeholder-for` label).
    var placeholderSlot: Date? {
        guard let text = metadata.labels?[PlaceholderBuilder.slotLabel], let seconds = Int64(text) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Whether the scheduler bound the pod to a node.
    var isPlaced: Bool {
        if spec?.nodeName?.isEmpty == false { return true }
        return status?.conditions?.first(ofType: "PodScheduled")?.isTrue == true
    }

    /// The scheduler's reason for not placing the pod (`0/3 nodes are available: ...`), if it said so.
    var schedulingRefusal: String? {
        guard !isPlaced, let scheduled = status?.conditions?.first(ofType: "PodScheduled"), scheduled.status == "False"
        else { return nil }
        return scheduled.message ?? scheduled.reason ?? "Unschedulable"
    }
}
