import Foundation

// MARK: - Condition AlertingReady

extension DecisionState {
    /// Mirrors the dispatcher's verdict on the task's alert receivers into condition
    /// `AlertingReady`: False with the problem (a missing Secret or key) while the task carries
    /// ``ScheduledTask/alertingProblemAnnotation``; True again once the annotation is gone. Tasks
    /// whose receivers never failed to resolve get no condition at all.
    mutating func recordAlertingHealth() {
        let problem = observation.task.metadata.annotations?[ScheduledTask.alertingProblemAnnotation] ?? ""
        if !problem.isEmpty {
            let parts = problem.split(separator: ":", maxSplits: 1)
            let reason = parts.count == 2 ? String(parts[0]) : "ReceiverUnresolved"
            let message = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces) : problem
            setCondition(ConditionType.alertingReady, false, reason: reason, message: message)
        } else if previous.conditions?.contains(where: { $0.type == ConditionType.alertingReady }) == true {
            setCondition(
                ConditionType.alertingReady, true, reason: "ReceiversResolved",
                message: "every alert receiver's Secret and key were found")
        }
    }
}

extension DecisionState.ConditionType {
    static let alertingReady = "AlertingReady"
}
