import Foundation
import KubeClient
import Logging

// MARK: - Placeholder Pods (pre-allocation)

extension PlanExecutor {
    /// Creates a placeholder Pod. Its name is deterministic, so 409 AlreadyExists means done. It
    /// asks the client's budget with normal priority: its slot is still `leadSeconds` away.
    func create(_ creation: PlaceholderCreation, task: String, namespace: String?, report: inout Report) async {
        let pods = client.dynamic(ResourceType.pods, namespace: namespace)
        do {
            _ = try await pods.create(creation.pod, options: WriteOptions(isSafeToRetry: true, priority: .normal))
            report.placeholdersCreated.append(creation.name)
        } catch {
            if let failure = failure(error, operation: .createPlaceholder, task: task, object: creation.name) {
                report.failures.append(failure)
            } else {
                report.placeholdersCreated.append(creation.name)
            }
        }
    }

    /// Deletes a placeholder Pod at once (grace period 0), with high priority: at its slot the
    /// run's pod needs the capacity it holds. The uid precondition spares a newer namesake.
    func delete(_ deletion: PlaceholderDeletion, task: String, namespace: String?, report: inout Report) async {
        let pods = client.dynamic(ResourceType.pods, namespace: namespace)
        let options = DeleteOptions(preconditionUID: deletion.uid, gracePeriodSeconds: 0, priority: .high)
        do {
            _ = try await pods.delete(deletion.name, options: options)
            report.placeholdersDeleted.append(deletion.name)
        } catch {
            if let failure = failure(error, operation: .deletePlaceholder, task: task, object: deletion.name) {
                report.failures.append(failure)
            } else {
                report.placeholdersDeleted.append(deletion.name)
            }
        }
    }

    /// Classifies a placeholder write failure: nil when it means done; otherwise the logged error
    /// (a retryable one makes the task retry with backoff; a terminal one, e.g. a missing
    /// `punctual-placeholder` PriorityClass, is repeated only by later reconciles).
    private func failure(
        _ error: any Error, operation: ExecutionError.Operation, task: String, object: String
    ) -> ExecutionError? {
        let disposition = ExecutionError.Disposition.classify(error, operation: operation)
        guard disposition != .done else { return nil }
        let failure = ExecutionError(
            operation: operation, task: task, object: object, disposition: disposition, underlying: error)
        logger.warning("placeholder write failed", metadata: ["task": "\(task)", "error": "\(failure)"])
        return failure
    }
}
