import Foundation
import KubeClient

/// A failed API write of the executor, with the task and object it was for and how the
/// controller should react.
///
/// Every write failure is classified once, here (STYLE habit 6):
/// - ``Disposition-swift.enum/retryable``: throttling, server or connection trouble — the task's key
///   is re-queued with backoff by the work queue's rate limiter;
/// - ``Disposition-swift.enum/terminal``: the request itself is wrong (invalid Job, forbidden) —
///   retrying cannot help until something changes, so the task reports it and waits;
/// - ``Disposition-swift.enum/done``: the write had already happened (409 AlreadyExists on a
///   deterministic name, 404 on a delete) — success.
public struct ExecutionError: Error, Sendable, CustomStringConvertible {
    /// What the controller does about the failure.
    public enum Disposition: String, Sendable, Hashable {
        case retryable
        case terminal
        case done
    }

    /// The write that failed.
    public enum Operation: String, Sendable, Hashable {
        case createJob = "create Job"
        case deleteJob = "delete Job"
        case writeStatus = "write status"
        case recordEvent = "record Event"
        /// Recording an alert in the task's ledger before it is sent (``PlanExecutor/AlertSink``).
        case recordAlert = "record alert"
        case dryRunJob = "dry-run create Job"
        case createPlaceholder = "create placeholder Pod"
        case deletePlaceholder = "delete placeholder Pod"
    }

    public var operation: Operation
    /// `namespace/name` of the ScheduledTask.
    public var task: String
    /// The object written (Job or Event name), when not the task itself.
    public var object: String?
    public var disposition: Disposition
    public var underlying: any Error

    public init(
        operation: Operation, task: String, object: String? = nil, disposition: Disposition,
        underlying: any Error
    ) {
        self.operation = operation
        self.task = task
        self.object = object
        self.disposition = disposition
        self.underlying = underlying
    }

    /// `create Job default/report-29000000 for task default/report (retryable): <cause>`.
    public var description: String {
        let target = object.map { " \($0)" } ?? ""
        return "\(operation.rawValue)\(target) for task \(task) (\(disposition.rawValue)): \(underlying)"
    }
}

// MARK: - Classification

extension ExecutionError.Disposition {
    /// Classifies the failure of `operation`.
    ///
    /// 409 AlreadyExists on a create is `done` (the Job name is the lock), as is 404 on a
    /// delete (someone else removed it). Errors that are not ``KubeError``s (cancellation,
    /// encoding) are retryable: nothing about the task is known to be wrong.
    public static func classify(_ error: any Error, operation: ExecutionError.Operation) -> Self {
        guard let error = error as? KubeError else { return .retryable }
        if error.isAlreadyExists, [.createJob, .recordEvent, .createPlaceholder].contains(operation) { return .done }
        if error.isNotFound, operation == .deleteJob || operation == .deletePlaceholder { return .done }
        if error.isRetryable { return .retryable }
        switch error.kind {
        case .conflict:
            // A stale read or a failed uid precondition: re-reading the cache resolves it.
            return operation == .deleteJob || operation == .deletePlaceholder ? .done : .retryable
        case .invalid, .badRequest, .forbidden, .notFound:
            return .terminal
        case .unauthorized, .credentials, .gone, .decoding, .server, .unexpectedStatus, .invalidRequest:
            return .retryable
        case .alreadyExists:
            return .terminal
        case .tooManyRequests, .transport:
            return .retryable
        }
    }
}

/// Why a leader's write was not made: this replica's lease is not current (no renewal succeeded
/// within the renew deadline), so another replica may lead already. The write is retried with
/// backoff until the lease is renewed, or leadership ends and whoever leads decides again.
public struct LeaseNotCurrentError: Error, Sendable, Equatable, CustomStringConvertible {
    public init() {}

    public var description: String {
        "not written: this replica's lease is not current (no renewal within the renew deadline)"
    }
}
