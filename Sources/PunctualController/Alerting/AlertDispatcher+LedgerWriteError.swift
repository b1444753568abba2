import Foundation

extension AlertDispatcher {
    /// The ledger annotation of a task could not be written, so an alert could not be made
    /// durable before its delivery. ``AlertDispatcher/dispatch(_:for:)`` sends nothing then, and
    /// ``PlanExecutor`` retries the plan rather than write a status that marks the transition handled.
    public struct LedgerWriteError: Error, Sendable, CustomStringConvertible {
        /// `namespace/name` of the ScheduledTask.
        public var task: String
        /// Why the patch of its annotations failed.
        public var underlying: any Error

        public init(task: String, underlying: any Error) {
            self.task = task
            self.underlying = underlying
        }

        public var description: String {
            "cannot write annotation \(ScheduledTask.alertsAnnotation) of ScheduledTask \(task): \(underlying)"
        }
    }
}
