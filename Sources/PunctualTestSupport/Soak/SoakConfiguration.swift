import Foundation

/// The settings of one fault soak (see ``SoakEngine``).
public struct SoakConfiguration: Sendable {
    /// Virtual minutes during which faults are injected.
    public var minutes: Int
    /// The seed of every random choice: the task mix and the fault schedule.
    public var seed: UInt64
    /// How many ScheduledTasks the cluster holds.
    public var taskCount: Int
    /// The average number of faults injected per virtual minute.
    public var faultsPerMinute: Double
    /// Virtual minutes after the faults during which the cluster runs quietly, so that every run
    /// started during the soak finishes and every status catches up before the invariants are checked.
    public var drainMinutes: Int
    /// The virtual time each step of the soak advances.
    public var step: Duration
    /// The real time given to the controllers, the runtime and HTTP after each step.
    public var settle: Duration
    /// Where the ScheduledTask CRD is read from.
    public var crdURL: URL
    /// Where the tier PriorityClasses are read from: run pods name them, and admission refuses
    /// pods of unknown classes.
    public var priorityClassesURL: URL
    /// The instant the virtual clock starts at.
    public var start: Date

    /// The CRD in this source tree.
    public static let defaultCRDURL = PunctualDefinitions.crdURL

    /// The tier PriorityClasses in this source tree.
    public static let defaultPriorityClassesURL = PunctualDefinitions.priorityClassesURL

    public init(
        minutes: Int = 10, seed: UInt64 = 1, taskCount: Int = 300, faultsPerMinute: Double = 4,
        drainMinutes: Int = 4, step: Duration = .seconds(1), settle: Duration = .milliseconds(15),
        crdURL: URL = SoakConfiguration.defaultCRDURL,
        priorityClassesURL: URL = SoakConfiguration.defaultPriorityClassesURL,
        start: Date = Date(timeIntervalSince1970: 1_767_225_630)
    ) {
        self.minutes = minutes
        self.seed = seed
        self.taskCount = taskCount
        self.faultsPerMinute = faultsPerMinute
        self.drainMinutes = drainMinutes
        self.step = step
        self.settle = settle
        self.crdURL = crdURL
        self.priorityClassesURL = priorityClassesURL
        self.start = start
    }

    /// Checks the settings, naming the first one out of range.
    public func validate() throws(SoakError) {
        guard minutes >= 1 else { throw SoakError("minutes must be at least 1, got \(minutes)") }
        guard taskCount >= SoakTaskMix.variants else {
            throw SoakError("taskCount must be at least \(SoakTaskMix.variants) (one of each kind), got \(taskCount)")
        }
        guard faultsPerMinute >= 0 && faultsPerMinute <= 60 else {
            throw SoakError("faultsPerMinute must be in 0...60, got \(faultsPerMinute)")
        }
        guard drainMinutes >= 2 else { throw SoakError("drainMinutes must be at least 2, got \(drainMinutes)") }
        guard step > .zero && step <= .seconds(5) else {
            throw SoakError("step must be in (0 s, 5 s], got \(step)")
        }
        guard settle > .zero && settle <= .seconds(2) else {
            throw SoakError("settle must be in (0 s, 2 s], got \(settle)")
        }
    }
}

/// Why a soak could not run (not an invariant violation: those are in ``SoakReport``).
public struct SoakError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
