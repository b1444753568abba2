import Foundation
import KubeClient

/// Renders objects as a meta.k8s.io/v1 Table, what `kubectl get` asks for.
///
/// Custom resources get a Name column plus the CRD's `additionalPrinterColumns` (or Name and Age
/// when it declares none), exactly as the real apiextensions server builds them; `date` columns are
/// shown as an age computed on the injected clock. Built-ins get the columns kubectl users know
/// (jobs: Status, Completions, Duration, Age; pods: Ready, Status, Restarts, Age; namespaces: Status,
/// Age; nodes: Status, Roles, Age, Version; configmaps and secrets: Data), everything else Name and
/// Age. Rows carry the object as PartialObjectMetadata, or whole with `includeObject=Object`, or
/// not at all with `includeObject=None`.
struct TableConverter {
    /// How much of each object a row carries (`includeObject=`).
    enum IncludeObject: String {
        case none = "None"
        case metadata = "Metadata"
        case object = "Object"
    }

    /// One column: its definition and how a cell is computed.
    struct Column {
        let definition: PrinterColumn
        let cell: (JSONValue) -> JSONValue
    }

    let type: ServedResource
    let now: Date
    let include: IncludeObject

    // MARK: - Table

    func table(_ objects: [JSONValue], resourceVersion: String?, continueToken: String?, withColumns: Bool = true)
        -> JSONValue
    {
        let columns = self.columns()
        var metadata: [String: JSONValue] = [:]
        if let resourceVersion { metadata["resourceVersion"] = .string(resourceVersion) }
        if let continueToken { metadata["continue"] = .string(continueToken) }
        let definitions: [JSONValue] =
            withColumns
            ? columns.map { column in
                [
                    "name": .string(column.definition.name), "type": .string(column.definition.type),
                    "format": .string(column.definition.format), "description": .string(column.definition.description),
                    "priority": .int(Int64(column.definition.priority)),
                ]
            } : []
        let rows: [JSONValue] = objects.map { object in
            var row: JSONValue = ["cells": .array(columns.map { $0.cell(object) })]
            switch include {
            case .none: break
            case .object: row["object"] = object
            case .metadata:
                row["object"] = [
                    "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                    "metadata": object["metadata"] ?? .object([:]),
                ]
            }
            return row
        }
        return [
            "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": .object(metadata),
            "columnDefinitions": .array(definitions), "rows": .array(rows),
        ]
    }

    // MARK: - Columns

    func columns() -> [Column] {
        let name = Column(
            definition: PrinterColumn(
                name: "Name", type: "string", jsonPath: ".metadata.name", format: "name",
                description: "Name must be unique within a namespace."),
            cell: { .string($0.metadataName) })
        let age = dateColumn(name: "Age", jsonPath: ".metadata.creationTimestamp")
        if type.definitionUID != nil {
            if type.printerColumns.isEmpty { return [name, age] }
            return [name]
                + type.printerColumns.map { column in
                    if column.type == "date" {
                        return dateColumn(name: column.name, jsonPath: column.jsonPath, priority: column.priority)
                    }
                    return Column(definition: column) { object in
                        Self.cell(JSONPath.evaluate(column.jsonPath, in: object), type: column.type)
                    }
                }
        }
        switch (type.group, type.resource) {
        case ("batch", "jobs"):
            return [
                name, stringColumn("Status", Self.jobStatus), stringColumn("Completions", Self.jobCompletions),
                stringColumn("Duration", jobDuration), age,
            ]
        case ("", "pods"):
            return [
                name, stringColumn("Ready", Self.podReady), stringColumn("Status", Self.podStatus),
                Column(definition: PrinterColumn(name: "Restarts", type: "string", jsonPath: "")) {
                    .string(String(Self.podRestarts($0)))
                }, age,
            ]
        case ("", "namespaces"):
            return [name, stringColumn("Status") { $0[path: ["status", "phase"]]?.stringValue ?? "" }, age]
        case ("", "nodes"):
            return [
                name, stringColumn("Status", Self.nodeStatus), stringColumn("Roles", Self.nodeRoles), age,
                stringColumn("Version") { $0[path: ["status", "nodeInfo", "kubeletVersion"]]?.stringValue ?? "" },
            ]
        case ("", "configmaps"):
            return [name, stringColumn("Data") { String(Self.dataCount($0)) }, age]
        case ("", "secrets"):
            return [
                name, stringColumn("Type") { $0["type"]?.stringValue ?? "" },
                stringColumn("Data") { String(Self.dataCount($0)) }, age,
            ]
        case ("coordination.k8s.io", "leases"):
            return [name, stringColumn("Holder") { $0[path: ["spec", "holderIdentity"]]?.stringValue ?? "" }, age]
        default:
            return [name, age]
        }
    }

    private func stringColumn(_ name: String, _ value: @escaping (JSONValue) -> String) -> Column {
        Column(definition: PrinterColumn(name: name, type: "string", jsonPath: "")) { .string(value($0)) }
    }

    private func dateColumn(name: String, jsonPath: String, priority: Int = 0) -> Column {
        let now = self.now
        return Column(definition: PrinterColumn(name: name, type: "date", jsonPath: jsonPath, priority: priority)) {
            object in
            guard let text = JSONPath.evaluate(jsonPath, in: object).first?.stringValue,
                let date = KubeTime.parse(text)
            else { return .null }
            return .string(Self.humanDuration(now.timeIntervalSince(date)))
        }
    }

    private static func cell(_ values: [JSONValue], type: String) -> JSONValue {
        guard let first = values.first else { return .null }
        if values.count > 1 {
            return .string(
                values.map { value in value.stringValue ?? String(describing: value) }.joined(separator: ","))
        }
        switch (type, first) {
        case ("integer", .int), ("number", .int), ("number", .double), ("boolean", .bool), (_, .string): return first
        case (_, .object), (_, .array): return .string((try? String(decoding: first.serialized(), as: UTF8.self)) ?? "")
        case (_, .int(let number)): return .string(String(number))
        case (_, .double(let number)): return .string(String(number))
        case (_, .bool(let flag)): return .string(String(flag))
        default: return .null
        }
    }

    // MARK: - Built-in cells

    private static func condition(_ object: JSONValue, _ type: String) -> Bool {
        (object[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True"
        }
    }

    static func jobStatus(_ job: JSONValue) -> String {
        if job.isBeingDeleted { return "Terminating" }
        for state in ["Complete", "Failed", "FailureTarget", "SuccessCriteriaMet", "Suspended"]
        where condition(job, state) {
            return state
        }
        return "Running"
    }

    static func jobCompletions(_ job: JSONValue) -> String {
        let succeeded = job[path: ["status", "succeeded"]]?.intValue ?? 0
        if let completions = job[path: ["spec", "completions"]]?.intValue { return "\(succeeded)/\(completions)" }
        let parallelism = job[path: ["spec", "parallelism"]]?.intValue ?? 1
        return parallelism > 1 ? "\(succeeded)/1 of \(parallelism)" : "\(succeeded)/1"
    }

    private func jobDuration(_ job: JSONValue) -> String {
        guard let start = job[path: ["status", "startTime"]]?.stringValue.flatMap(KubeTime.parse) else { return "" }
        let end = job[path: ["status", "completionTime"]]?.stringValue.flatMap(KubeTime.parse) ?? now
        return Self.humanDuration(end.timeIntervalSince(start))
    }

    static func podReady(_ pod: JSONValue) -> String {
        let total = pod[path: ["spec", "containers"]]?.arrayValue?.count ?? 0
        let ready = (pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []).filter {
            $0["ready"]?.boolValue == true
        }.count
        return "\(ready)/\(total)"
    }

    static func podStatus(_ pod: JSONValue) -> String {
        if pod.isBeingDeleted { return "Terminating" }
        if let reason = pod[path: ["status", "reason"]]?.stringValue, !reason.isEmpty { return reason }
        for status in pod[path: ["status", "containerStatuses"]]?.arrayValue ?? [] {
            if let reason = status[path: ["state", "waiting", "reason"]]?.stringValue { return reason }
            if let reason = status[path: ["state", "terminated", "reason"]]?.stringValue { return reason }
        }
        return pod[path: ["status", "phase"]]?.stringValue ?? "Unknown"
    }

    /// kubectl's node status: `Ready`, `NotReady` or `Unknown`, plus `SchedulingDisabled` when cordoned.
    static func nodeStatus(_ node: JSONValue) -> String {
        let ready = (node[path: ["status", "conditions"]]?.arrayValue ?? []).first { $0["type"] == "Ready" }
        var status =
            switch ready?["status"]?.stringValue {
            case "True": "Ready"
            case "False": "NotReady"
            default: "Unknown"
            }
        if node[path: ["spec", "unschedulable"]]?.boolValue == true { status += ",SchedulingDisabled" }
        return status
    }

    /// The `node-role.kubernetes.io/<role>` labels, or `<none>`.
    static func nodeRoles(_ node: JSONValue) -> String {
        let prefix = "node-role.kubernetes.io/"
        let roles = (node[path: ["metadata", "labels"]]?.objectValue ?? [:]).keys
            .filter { $0.hasPrefix(prefix) && $0.count > prefix.count }
            .map { String($0.dropFirst(prefix.count)) }
            .sorted()
        return roles.isEmpty ? "<none>" : roles.joined(separator: ",")
    }

    /// Entries of `data` plus `binaryData` (ConfigMaps and Secrets).
    static func dataCount(_ object: JSONValue) -> Int {
        (object["data"]?.objectValue?.count ?? 0) + (object["binaryData"]?.objectValue?.count ?? 0)
    }

    static func podRestarts(_ pod: JSONValue) -> Int64 {
        (pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []).reduce(0) {
            $0 + ($1["restartCount"]?.intValue ?? 0)
        }
    }

    /// Kubernetes' `duration.HumanDuration`: `45s`, `5m30s`, `3h`, `2d5h`, `1y20d`.
    static func humanDuration(_ interval: TimeInterval) -> String {
        KubeTime.humanDuration(interval)
    }
}
