import Foundation

/// An events.k8s.io/v1 Event, the current event API (`kubectl events`, `kubectl describe`).
public struct Event: KubeResource, Hashable {
    public static let resourceType = ResourceType.events

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    /// Required by the API: when the event was first observed, with microsecond precision.
    public var eventTime: MicroTime
    public var reportingController: String?
    public var reportingInstance: String?
    public var action: String?
    public var reason: String?
    /// The object the event is about.
    public var regarding: ObjectReference?
    public var related: ObjectReference?
    public var note: String?
    /// `Normal` or `Warning`.
    public var type: String?
    public var series: Series?

    /// Repetitions of the same event, instead of one object per occurrence.
    public struct Series: Codable, Sendable, Hashable {
        public var count: Int32
        public var lastObservedTime: MicroTime

        public init(count: Int32, lastObservedTime: MicroTime) {
            self.count = count
            self.lastObservedTime = lastObservedTime
        }
    }

    public init(
        metadata: ObjectMeta, eventTime: MicroTime, reportingController: String? = nil,
        reportingInstance: String? = nil, action: String? = nil, reason: String? = nil,
        regarding: ObjectReference? = nil, related: ObjectReference? = nil, note: String? = nil,
        type: String? = nil, series: Series? = nil
    ) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.eventTime = eventTime
        self.reportingController = reportingController
        self.reportingInstance = reportingInstance
        self.action = action
        self.reason = reason
        self.regarding = regarding
        self.related = related
        self.note = note
        self.type = type
        self.series = series
    }
}

/// A core/v1 Event, the older event API that `kubectl get events` still lists.
public struct CoreEvent: KubeResource, Hashable {
    public static let resourceType = ResourceType.coreEvents

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var involvedObject: ObjectReference
    public var reason: String?
    public var message: String?
    /// `Normal` or `Warning`.
    public var type: String?
    public var source: Source?
    public var firstTimestamp: Date?
    public var lastTimestamp: Date?
    public var count: Int32?
    public var eventTime: MicroTime?
    public var reportingComponent: String?
    public var reportingInstance: String?
    public var action: String?

    /// The component that reported the event.
    public struct Source: Codable, Sendable, Hashable {
        public var component: String?
        public var host: String?

        public init(component: String? = nil, host: String? = nil) {
            self.component = component
            self.host = host
        }
    }

    public init(
        metadata: ObjectMeta, involvedObject: ObjectReference, reason: String? = nil, message: String? = nil,
        type: String? = nil, source: Source? = nil, firstTimestamp: Date? = nil, lastTimestamp: Date? = nil,
        count: Int32? = nil, eventTime: MicroTime? = nil, reportingComponent: String? = nil,
        reportingInstance: String? = nil, action: String? = nil
    ) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.involvedObject = involvedObject
        self.reason = reason
        self.message = message
        self.type = type
        self.source = source
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
        self.count = count
        self.eventTime = eventTime
        self.reportingComponent = reportingComponent
        self.reportingInstance = reportingInstance
        self.action = action
    }
}
