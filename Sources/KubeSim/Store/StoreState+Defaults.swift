import KubeClient

// MARK: - Defaulting of built-in types, as the real API server does on every write

extension StoreState {
    /// Fills the defaults a real API server adds to Jobs, Pods and Secrets, so clients and controllers see the
    /// same objects here as on a cluster (`backoffLimit: 6`, the generated selector and labels, and
    /// the usual pod-spec defaults). Other resources are returned unchanged.
    ///
    /// - Parameter old: the stored object on update; a Job keeps its generated selector.
    static func withDefaults(_ input: JSONValue, type: ServedResource, old: JSONValue?) -> JSONValue {
        switch (type.group, type.resource) {
        case ("batch", "jobs"): return jobDefaults(input, old: old)
        case ("", "secrets"):
            var secret = input
            if (secret["type"]?.stringValue ?? "").isEmpty { secret["type"] = "Opaque" }
            return secret
        case ("scheduling.k8s.io", "priorityclasses"):
            var priorityClass = input
            if priorityClass["preemptionPolicy"] == nil { priorityClass["preemptionPolicy"] = "PreemptLowerPriority" }
            return priorityClass
        case ("", "pods"):
            var pod = input
            if let spec = pod["spec"] { pod["spec"] = podSpecDefaults(spec) }
            return pod
        default: return input
        }
    }

    private static func jobDefaults(_ input: JSONValue, old: JSONValue?) -> JSONValue {
        guard var spec = input["spec"]?.objectValue else { return input }
        var job = input
        if spec["parallelism"] == nil { spec["parallelism"] = 1 }
        if spec["completions"] == nil && input[path: ["spec", "parallelism"]] == nil { spec["completions"] = 1 }
        if spec["backoffLimit"] == nil {
            spec["backoffLimit"] = spec["backoffLimitPerIndex"] == nil ? 6 : .int(Int64(Int32.max))
        }
        if spec["completionMode"] == nil { spec["completionMode"] = "NonIndexed" }
        if spec["suspend"] == nil { spec["suspend"] = false }
        if spec["podReplacementPolicy"] == nil {
            spec["podReplacementPolicy"] = spec["podFailurePolicy"] == nil ? "TerminatingOrFailed" : "Failed"
        }
        let uid = input.metadataUID
        var templateLabels = spec["template"]?[path: ["metadata", "labels"]]?.objectValue ?? [:]
        if spec["manualSelector"]?.boolValue != true {
            if spec["selector"] == nil {
                spec["selector"] =
                    old?[path: ["spec", "selector"]]
                    ?? ["matchLabels": ["batch.kubernetes.io/controller-uid": .string(uid)]]
            }
            for (key, value) in [
                ("batch.kubernetes.io/controller-uid", uid), ("batch.kubernetes.io/job-name", input.metadataName),
                ("controller-uid", uid), ("job-name", input.metadataName),
            ] where templateLabels[key] == nil {
                templateLabels[key] = .string(value)
            }
        }
        if var template = spec["template"], case .object = template {
            template.set(path: ["metadata", "labels"], to: .object(templateLabels))
            if let podSpec = template["spec"] { template["spec"] = podSpecDefaults(podSpec) }
            spec["template"] = template
        }
        job["spec"] = .object(spec)
        // A Job without labels takes its pod template's (SetDefaults_Job in apis/batch/v1).
        if (input[path: ["metadata", "labels"]]?.objectValue ?? [:]).isEmpty && !templateLabels.isEmpty {
            job.set(path: ["metadata", "labels"], to: .object(templateLabels))
        }
        return job
    }

    private static func podSpecDefaults(_ input: JSONValue) -> JSONValue {
        guard var spec = input.objectValue else { return input }
        let defaults: [(String, JSONValue)] = [
            ("restartPolicy", "Always"), ("dnsPolicy", "ClusterFirst"), ("schedulerName", "default-scheduler"),
            ("terminationGracePeriodSeconds", 30), ("securityContext", [:]),
        ]
        for (key, value) in defaults where spec[key] == nil { spec[key] = value }
        for list in ["containers", "initContainers"] {
            guard let containers = spec[list]?.arrayValue else { continue }
            spec[list] = .array(containers.map(containerDefaults))
        }
        return .object(spec)
    }

    private static func containerDefaults(_ input: JSONValue) -> JSONValue {
        guard var container = input.objectValue else { return input }
        if container["imagePullPolicy"] == nil {
            let image = container["image"]?.stringValue ?? ""
            let lastComponent = image.split(separator: "/").last.map(String.init) ?? image
            let tag = lastComponent.contains("@") ? nil : lastComponent.split(separator: ":").dropFirst().first
            container["imagePullPolicy"] =
                (tag == nil || tag == "latest") && !lastComponent.contains("@") ? "Always" : "IfNotPresent"
        }
        if container["terminationMessagePath"] == nil { container["terminationMessagePath"] = "/dev/termination-log" }
        if container["terminationMessagePolicy"] == nil { container["terminationMessagePolicy"] = "File" }
        if container["resources"] == nil { container["resources"] = [:] }
        return .object(container)
    }
}
