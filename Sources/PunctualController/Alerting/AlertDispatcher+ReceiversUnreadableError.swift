import Foundation

extension AlertDispatcher {
    /// A receiver's Secret could not be read for a reason that passes (throttling, a server error,
    /// an unreachable API server), so who gets an alert is not known yet.
    ///
    /// ``AlertDispatcher/dispatch(_:for:)`` sends nothing then, and ``PlanExecutor`` retries the
    /// plan rather than write a status that marks the transition handled: that status would leave
    /// nobody to send the alert once the Secret is readable again. Problems that do not pass (a
    /// missing Secret or key, a value that is not a URL) are reported on the task instead.
    public struct ReceiversUnreadableError: Error, Sendable, CustomStringConvertible {
        /// `namespace/name` of the ScheduledTask.
        public var task: String
        /// The receivers that could not be resolved, each naming its Secret.
        public var problems: [ReceiverResolution.Problem]

        public init(task: String, problems: [ReceiverResolution.Problem]) {
            self.task = task
            self.problems = problems
        }

        public var description: String {
            "cannot resolve the alert receivers of ScheduledTask \(task): "
                + problems.map(\.description).joined(separator: "; ")
        }
    }
}
