import Alerting
import Foundation
import KubeClient

/// What the user declares: `spec` of a ScheduledTask.
///
/// Every field is optional on the wire; the computed accessors (`effective...`) apply the same
/// defaults as the CRD's schema, so a task read from a server that did not default (or written
/// before a default existed) behaves the same.
public struct ScheduledTaskSpec: Codable, Sendable, Hashable {
    /// A 5-field cron expression or descriptor, as batch/v1 CronJob's `schedule`.
    public var schedule: String
    /// An IANA time zone name; `UTC` when absent.
    public var timeZone: String?
    /// A fixed per-task delay in `[0, jitterSeconds)` against stampedes.
    public var jitterSeconds: Int?
    public var suspend: Bool?
    public var guarantee: Guarantee?
    public var concurrencyPolicy: ConcurrencyPolicy?
    /// Active runs allowed under `Allow` (unlimited when absent) or `Queue` (1 when absent).
    public var maxConcurrent: Int?
    public var startingDeadlineSeconds: Int64?
    public var catchUpWindowSeconds: Int64?
    public var activeDeadlineSeconds: Int64?
    public var retry: RetryPolicy?
    public var priority: Priority?
    public var history: History?
    public var alerting: Alerting?
    /// A batch/v1 JobTemplateSpec, passed through untouched except for what the controller sets.
    public var jobTemplate: JSONValue

    public init(
        schedule: String, timeZone: String? = nil, jitterSeconds: Int? = nil, suspend: Bool? = nil,
        guarantee: Guarantee? = nil, concurrencyPolicy: ConcurrencyPolicy? = nil, maxConcurrent: Int? = nil,
        startingDeadlineSeconds: Int64? = nil, catchUpWindowSeconds: Int64? = nil,
        activeDeadlineSeconds: Int64? = nil, retry: RetryPolicy? = nil, priority: Priority? = nil,
        history: History? = nil, alerting: Alerting? = nil, jobTemplate: JSONValue
    ) {
        self.schedule = schedule
        self.timeZone = timeZone
        self.jitterSeconds = jitterSeconds
        self.suspend = suspend
        self.guarantee = guarantee
        self.concurrencyPolicy = concurrencyPolicy
        self.maxConcurrent = maxConcurrent
        self.startingDeadlineSeconds = startingDeadlineSeconds
        self.catchUpWindowSeconds = catchUpWindowSeconds
        self.activeDeadlineSeconds = activeDeadlineSeconds
        self.retry = retry
        self.priority = priority
        self.history = history
        self.alerting = alerting
        self.jobTemplate = jobTemplate
    }

    // MARK: - Enumerations

    /// How many times one slot may run.
    public enum Guarantee: String, Codable, Sendable, Hashable, CaseIterable {
        /// At most one pod execution per slot; never retried, never run late.
        case onceMost = "OnceMost"
        /// Exactly one successful execution per slot; late is acceptable, missing or doubling is not.
        case onceOnly = "OnceOnly"
        /// CronJob behaviour.
        case unlimited = "Unlimited"
    }

    /// What happens to a slot that is due while earlier runs are active.
    public enum ConcurrencyPolicy: String, Codable, Sendable, Hashable, CaseIterable {
        case allow = "Allow"
        case forbid = "Forbid"
        case replace = "Replace"
        case queue = "Queue"
    }

    // MARK: - Nested objects

    /// Retry budgets of OnceOnly and Unlimited tasks.
    public struct RetryPolicy: Codable, Sendable, Hashable {
        /// Attempts allowed after start-up failures (image pull, unschedulable past the deadline, config).
        public var maxStartupRetries: Int?
        /// Attempts allowed after a container exited non-zero.
        public var maxFailureRetries: Int?
        /// The first backoff, doubled each attempt, capped at ten minutes.
        public var backoffSeconds: Int?

        public init(maxStartupRetries: Int? = nil, maxFailureRetries: Int? = nil, backoffSeconds: Int? = nil) {
            self.maxStartupRetries = maxStartupRetries
            self.maxFailureRetries = maxFailureRetries
            self.backoffSeconds = backoffSeconds
        }
    }

    /// Scheduling priority and capacity reservation.
    public struct Priority: Codable, Sendable, Hashable {
        public var tier: Tier?
        public var preAllocate: PreAllocate?

        public init(tier: Tier? = nil, preAllocate: PreAllocate? = nil) {
            self.tier = tier
            self.preAllocate = preAllocate
        }

        /// A priority tier; each maps to a PriorityClass Punctual installs.
        public enum Tier: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
            case critical, high, normal, low

            /// The PriorityClass set on the run's pods.
            public var priorityClassName: String { "punctual-\(rawValue)" }

            /// Dispatch rank: higher is served first.
            public var rank: Int {
                switch self {
                case .critical: 3
                case .high: 2
                case .normal: 1
                case .low: 0
                }
            }

            public static func < (lhs: Tier, rhs: Tier) -> Bool { lhs.rank < rhs.rank }
        }

        /// Placeholder pods reserve the run's resources this long before each slot.
        public struct PreAllocate: Codable, Sendable, Hashable {
            public var leadSeconds: Int

            public init(leadSeconds: Int) { self.leadSeconds = leadSeconds }
        }
    }

    /// How much history is kept.
    public struct History: Codable, Sendable, Hashable {
        public var successfulJobsLimit: Int?
        public var failedJobsLimit: Int?
        public var runsLimit: Int?

        public init(successfulJobsLimit: Int? = nil, failedJobsLimit: Int? = nil, runsLimit: Int? = nil) {
            self.successfulJobsLimit = successfulJobsLimit
            self.failedJobsLimit = failedJobsLimit
            self.runsLimit = runsLimit
        }
    }

    /// Alert selection and receivers.
    public struct Alerting: Codable, Sendable, Hashable {
        public var on: [AlertKind]?
        public var longRunningSeconds: Int64?
        public var receivers: [Receiver]?

        public init(on: [AlertKind]? = nil, longRunningSeconds: Int64? = nil, receivers: [Receiver]? = nil) {
            self.on = on
            self.longRunningSeconds = longRunningSeconds
            self.receivers = receivers
        }

        /// The events that can send an alert (defined with the alert payloads, in module Alerting).
        public typealias AlertKind = AlertingKind

        /// One destination; exactly one of the four kinds is set.
        public struct Receiver: Codable, Sendable, Hashable {
            public var name: String?
            public var webhook: Webhook?
            public var slack: URLOnly?
            public var dingtalk: DingTalk?
            public var alertmanager: Alertmanager?

            public init(
                name: String? = nil, webhook: Webhook? = nil, slack: URLOnly? = nil, dingtalk: DingTalk? = nil,
                alertmanager: Alertmanager? = nil
            ) {
                self.name = name
                self.webhook = webhook
                self.slack = slack
                self.dingtalk = dingtalk
                self.alertmanager = alertmanager
            }

            public struct Webhook: Codable, Sendable, Hashable {
                public var urlSecretRef: SecretKeySelector
                public var headersSecretRef: SecretReference?

                public init(urlSecretRef: SecretKeySelector, headersSecretRef: SecretReference? = nil) {
                    self.urlSecretRef = urlSecretRef
                    self.headersSecretRef = headersSecretRef
                }
            }

            public struct URLOnly: Codable, Sendable, Hashable {
                public var urlSecretRef: SecretKeySelector

                public init(urlSecretRef: SecretKeySelector) { self.urlSecretRef = urlSecretRef }
            }

            public struct DingTalk: Codable, Sendable, Hashable {
                public var urlSecretRef: SecretKeySelector
                public var signSecretRef: SecretKeySelector?

                public init(urlSecretRef: SecretKeySelector, signSecretRef: SecretKeySelector? = nil) {
                    self.urlSecretRef = urlSecretRef
                    self.signSecretRef = signSecretRef
                }
            }

            public struct Alertmanager: Codable, Sendable, Hashable {
                public var url: String?
                public var urlSecretRef: SecretKeySelector?

                public init(url: String? = nil, urlSecretRef: SecretKeySelector? = nil) {
                    self.url = url
                    self.urlSecretRef = urlSecretRef
                }
            }
        }
    }

    /// A key of a Secret in the task's namespace.
    public struct SecretKeySelector: Codable, Sendable, Hashable {
        public var name: String
        public var key: String

        public init(name: String, key: String) {
            self.name = name
            self.key = key
        }
    }

    /// A whole Secret in the task's namespace.
    public struct SecretReference: Codable, Sendable, Hashable {
        public var name: String

        public init(name: String) { self.name = name }
    }
}

// MARK: - Defaults (mirror the CRD schema's `default`s)

extension ScheduledTaskSpec {
    public var effectiveTimeZone: String { timeZone ?? "UTC" }
    public var effectiveJitterSeconds: Int { jitterSeconds ?? 0 }
    public var isSuspended: Bool { suspend ?? false }
    public var effectiveGuarantee: Guarantee { guarantee ?? .unlimited }
    public var effectiveConcurrencyPolicy: ConcurrencyPolicy { concurrencyPolicy ?? .allow }
    /// The most active runs allowed, `nil` meaning unlimited (Allow without maxConcurrent).
    public var effectiveMaxConcurrent: Int? {
        switch effectiveConcurrencyPolicy {
        case .allow: maxConcurrent
        case .queue: maxConcurrent ?? 1
        case .forbid, .replace: 1
        }
    }
    public var effectiveTier: Priority.Tier { priority?.tier ?? .normal }
    public var maxStartupRetries: Int { retry?.maxStartupRetries ?? 0 }
    public var maxFailureRetries: Int { retry?.maxFailureRetries ?? 0 }
    public var backoffSeconds: Int { retry?.backoffSeconds ?? 30 }
    public var successfulJobsLimit: Int { history?.successfulJobsLimit ?? 3 }
    public var failedJobsLimit: Int { history?.failedJobsLimit ?? 3 }
    public var runsLimit: Int { history?.runsLimit ?? 20 }
    public var alertKinds: [Alerting.AlertKind] { alerting?.on ?? Alerting.AlertKind.defaults }
}
