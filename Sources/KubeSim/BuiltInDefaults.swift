import KubeClient

/// The server-side defaults of the built-in kinds KubeSim serves, so that objects read back look
/// like a real cluster's (`kubectl get job -o yaml` shows the same fields).
enum BuiltInDefaults {
    // MARK: - Jobs

    /// What the Job registry and defaulting do on create: counts, backoff limit, completion mode,
    /// suspend, pod replacement policy, and (unless `manualSelector`) the selector plus the
    /// `controller-uid` / `job-name` labels on the pod template. Labels of a Job without labels
    /// are taken from its template, as the real server does when it reads the Job back.
    static func prepareJobForCreate(_ job: inout JSONValue) {
        guard job["spec"]?.objectValue != nil else { return }
        let name = Admission.name(of: job)
        let uid = job[path: ["metadata", "uid"]]?.stringValue

        if job[path: ["spec", "completions"]] == nil && job[path: ["spec", "parallelism"]] == nil {
            job.set(path: ["spec", "completions"], to: 1)
        }
        setIfAbsent(&job, ["spec", "parallelism"], 1)
        setIfAbsent(&job, ["spec", "backoffLimit"], 6)
        setIfAbsent(&job, ["spec", "completionMode"], "NonIndexed")
        setIfAbsent(&job, ["spec", "suspend"], false)
        let replacement: JSONValue = job[path: ["spec", "podFailurePolicy"]] == nil ? "TerminatingOrFailed" : "Failed"
        setIfAbsent(&job, ["spec", "podReplacementPolicy"], replacement)

        if job[path: ["spec", "manualSelector"]]?.boolValue != true, let uid {
            job.set(
                path: ["spec", "selector"],
                to: ["matchLabels": ["batch.kubernetes.io/controller-uid": .string(uid)]])
            var labels = job[path: ["spec", "template", "metadata", "labels"]]?.objectValue ?? [:]
            labels["controller-uid"] = .string(uid)
            labels["batch.kubernetes.io/controller-uid"] = .string(uid)
            labels["job-name"] = .string(name)
            labels["batch.kubernetes.io/job-name"] = .string(name)
            job.set(path: ["spec", "template", "metadata", "labels"], to: .object(labels))
        }
        let jobLabels = job[path: ["metadata", "labels"]]?.objectValue ?? [:]
        if jobLabels.isEmpty, let templateLabels = job[path: ["spec", "template", "metadata", "labels"]] {
            job.set(path: ["metadata", "labels"], to: templateLabels)
        }
    }

    // MARK: - Pods

    /// Pod spec defaults at `path` (`spec` of a Pod, `spec.template.spec` of a Job): restart and
    /// DNS policy, scheduler, grace period, and per container the pull policy and termination
    /// message settings.
    static func applyPodSpecDefaults(_ object: inout JSONValue, at path: [String]) {
        guard object[path: path]?.objectValue != nil else { return }
        setIfAbsent(&object, path + ["restartPolicy"], "Always")
        setIfAbsent(&object, path + ["dnsPolicy"], "ClusterFirst")
        setIfAbsent(&object, path + ["schedulerName"], "default-scheduler")
        setIfAbsent(&object, path + ["terminationGracePeriodSeconds"], 30)
        setIfAbsent(&object, path + ["securityContext"], [:])
        guard let containers = object[path: path + ["containers"]]?.arrayValue else { return }
        let defaulted: [JSONValue] = containers.map { container in
            guard case .object(var members) = container else { return container }
            if members["imagePullPolicy"] == nil {
                members["imagePullPolicy"] = .string(pullPolicy(for: members["image"]?.stringValue ?? ""))
            }
            if members["terminationMessagePath"] == nil { members["terminationMessagePath"] = "/dev/termination-log" }
            if members["terminationMessagePolicy"] == nil { members["terminationMessagePolicy"] = "File" }
            if members["resources"] == nil { members["resources"] = [:] }
            return .object(members)
        }
        object.set(path: path + ["containers"], to: .array(defaulted))
    }

    /// `Always` for an untagged or `:latest` image, `IfNotPresent` otherwise (digests count as tags).
    static func pullPolicy(for image: String) -> String {
        if image.contains("@") { return "IfNotPresent" }
        let lastComponent = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = lastComponent.lastIndex(of: ":") else { return "Always" }
        return lastComponent[lastComponent.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }

    private static func setIfAbsent(_ object: inout JSONValue, _ path: [String], _ value: JSONValue) {
        if object[path: path] == nil { object.set(path: path, to: value) }
    }
}
