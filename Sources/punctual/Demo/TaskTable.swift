import Foundation
import KubeClient
import PunctualController

/// ScheduledTasks as `kubectl get stask` prints them: upper-case headers, columns three spaces
/// apart, ages in kubectl's notation, `<none>` for an empty cell.
///
/// The columns are the CRD's printer columns (Schedule, TimeZone, Guarantee, Active, Last
/// Schedule, Last Result, Age) with Suspend left out and Next (the `-o wide` column) shown as
/// the time until the next slot (`due` once it has passed), which is what the audience of a demo
/// watches for. A NAMESPACE
/// column leads when the tasks live in more than one namespace, as with `--all-namespaces`.
enum TaskTable {
    /// The table's lines, header first, rows ordered by namespace and name.
    ///
    /// - Parameters:
    ///   - tasks: the tasks, in any order.
    ///   - now: the instant ages and the time to the next slot are measured from.
    ///   - width: the columns available; when the table is wider, the columns least needed to follow
    ///     the runs are left out (AGE, TIMEZONE, ACTIVE, GUARANTEE, LAST SCHEDULE, in that order).
    ///     `nil`: all.
    static func lines(_ tasks: [ScheduledTask], now: Date, width: Int? = nil) -> [String] {
        let sorted = tasks.sorted {
            ($0.metadata.namespace ?? "", $0.metadata.name ?? "")
                < ($1.metadata.namespace ?? "", $1.metadata.name ?? "")
        }
        let namespaces = Set(sorted.map { $0.metadata.namespace ?? "" })
        var header = [
            "NAME", "SCHEDULE", "TIMEZONE", "GUARANTEE", "ACTIVE", "LAST SCHEDULE", "LAST RESULT", "NEXT", "AGE",
        ]
        var rows = sorted.map { cells($0, now: now) }
        if namespaces.count > 1 {
            header.insert("NAMESPACE", at: 0)
            rows = zip(sorted, rows).map { [$0.metadata.namespace ?? ""] + $1 }
        }
        var table = [header] + rows
        for column in droppable {
            guard let width, (aligned(table).map(\.count).max() ?? 0) >= width,
                let index = table.first?.firstIndex(of: column)
            else { break }
            table = table.map { row in
                var row = row
                row.remove(at: index)
                return row
            }
        }
        return aligned(table)
    }

    /// The columns given up, in this order, when the table does not fit.
    static let droppable = ["AGE", "TIMEZONE", "ACTIVE", "GUARANTEE", "LAST SCHEDULE"]

    /// One row's cells (without the namespace).
    static func cells(_ task: ScheduledTask, now: Date) -> [String] {
        let status = task.status
        return [
            task.metadata.name ?? "",
            task.spec.schedule,
            task.spec.timeZone ?? none,
            task.spec.guarantee?.rawValue ?? none,
            status?.activeRuns.map(String.init) ?? none,
            status?.lastScheduleTime.map { KubeTime.humanDuration(now.timeIntervalSince($0)) } ?? none,
            status?.lastResult?.rawValue ?? none,
            status?.nextScheduleTime.map {
                $0 > now ? "in " + KubeTime.humanDuration($0.timeIntervalSince(now)) : "due"
            }
                ?? none,
            task.metadata.creationTimestamp.map { KubeTime.humanDuration(now.timeIntervalSince($0)) } ?? none,
        ]
    }

    /// kubectl's placeholder for a missing value.
    static let none = "<none>"

    /// Rows padded so every column starts at the same place, three spaces apart (tabwriter with
    /// kubectl's padding); the last column is not padded.
    static func aligned(_ rows: [[String]]) -> [String] {
        let columnCount = rows.map(\.count).max() ?? 0
        let widths = (0..<columnCount).map { column in
            rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column] + 3, withPad: " ", startingAt: 0)
            }.joined()
        }
    }
}
