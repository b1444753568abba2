/// The tasks only the demo applies, next to `examples/`: they fire every minute or two so that
/// something happens on screen, with the simulated runtime's pod annotations (`sim.punctual.dev/*`,
/// see KubeSim's `PodBehavior`) deciding how their pods behave.
enum DemoTasks {
    /// The succeeding, the failing and the never-scheduled task.
    static let manifest = EmbeddedManifest(
        path: "demo tasks",
        text: """
            # Every minute, a five-second job that succeeds.
            apiVersion: punctual.dev/v1alpha1
            kind: ScheduledTask
            metadata:
              name: demo-hello
              namespace: default
            spec:
              schedule: "* * * * *"
              guarantee: OnceMost
              concurrencyPolicy: Forbid
              jobTemplate:
                spec:
                  template:
                    metadata:
                      annotations:
                        sim.punctual.dev/run-seconds: "5"
                    spec:
                      restartPolicy: Never
                      containers:
                        - name: hello
                          image: busybox:1.36
                          command: ["sh", "-c", "echo hello"]
            ---
            # Every minute, a job whose container exits 1. The Job itself never retries a pod
            # (backoffLimit 0); OnceOnly retries the slot twice with new Jobs (backoff 5 s, then 10 s)
            # and then gives up. Each failure and the exhausted budget raise an alert.
            apiVersion: punctual.dev/v1alpha1
            kind: ScheduledTask
            metadata:
              name: demo-flaky
              namespace: default
            spec:
              schedule: "* * * * *"
              guarantee: OnceOnly
              concurrencyPolicy: Forbid
              retry:
                maxFailureRetries: 2
                backoffSeconds: 5
              alerting:
                "on": [Failed, RetriesExhausted, Recovered]
              jobTemplate:
                spec:
                  backoffLimit: 0
                  template:
                    metadata:
                      annotations:
                        sim.punctual.dev/run-seconds: "3"
                        sim.punctual.dev/exit-code: "1"
                        sim.punctual.dev/exit-message: "connection refused: db.example.com:5432"
                    spec:
                      restartPolicy: Never
                      containers:
                        - name: sync
                          image: registry.example.com/sync:1.0.0
            ---
            # Every two minutes, a job whose pod never fits on a node (a full cluster). Not running 20 s
            # after its slot, the run is Missed, and OnceMost never runs it late.
            apiVersion: punctual.dev/v1alpha1
            kind: ScheduledTask
            metadata:
              name: demo-no-capacity
              namespace: default
            spec:
              schedule: "*/2 * * * *"
              guarantee: OnceMost
              startingDeadlineSeconds: 20
              alerting:
                "on": [Missed]
              jobTemplate:
                spec:
                  template:
                    metadata:
                      annotations:
                        sim.punctual.dev/unschedulable: "true"
                    spec:
                      restartPolicy: Never
                      containers:
                        - name: big
                          image: registry.example.com/big:1.0.0
                          resources:
                            requests: {cpu: "64", memory: 512Gi}
            """)
}
