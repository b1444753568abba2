import Foundation

extension CronSchedule {
    /// The first slot strictly after `date`.
    ///
    /// - Returns: the slot, or nil if `date` is outside the years 1-9999 or (for instants near the
    ///   end of that span) no slot follows.
    public func next(after date: Date) -> Date? {
        guard let seconds = Self.wholeSeconds(date, rounding: .down) else { return nil }
        return firstSlot(atOrAfter: seconds + 1).map(Self.date(seconds:))
    }

    // MARK: - Slot search

    /// The first slot at or after instant `start` (seconds since the epoch).
    ///
    /// Works one constant-offset segment at a time: find the next matching wall time as seen
    /// with the segment's offset; if the resulting instant lies beyond the segment's end,
    /// continue from that transition. Fixed-hour schedules add the two Vixie rules: a
    /// spring-forward transition is itself a slot when a matching wall time fell into its gap,
    /// and after a fall-back the repeated wall times are skipped (they fired before it).
    func firstSlot(atOrAfter start: Int64) -> Int64? {
        if let offset = zone.fixedOffset {
            return nextWall(atOrAfter: start + offset).map { $0 - offset }
        }
        var x = start
        for _ in 0..<Self.maximumSegmentSteps {
            let segment = zone.segment(containing: x)
            var lowestWall = x + segment.offset
            if hasFixedHour, let begin = segment.start {
                if begin.instant == x && begin.isForward && gapContainsMatch(begin) { return x }
                if begin.isBackward { lowestWall = max(lowestWall, begin.instant + begin.offsetBefore) }
            }
            guard let wall = nextWall(atOrAfter: lowestWall) else { return nil }
            let candidate = wall - segment.offset
            if let end = segment.end, end.instant <= candidate {
                x = end.instant
                continue
            }
            return candidate
        }
        return nil
    }

    /// Whether a matching wall time lies in the gap a spring-forward transition skips.
    func gapContainsMatch(_ transition: ZoneTransitions.Transition) -> Bool {
        guard let wall = nextWall(atOrAfter: transition.instant + transition.offsetBefore) else { return false }
        return wall < transition.instant + transition.offsetAfter
    }

    // MARK: - Conversions

    /// Transitions a search may cross before giving up; real zones need a few per decade.
    static let maximumSegmentSteps = 512

    /// Instants of years 1 to 9999, the span RFC 3339 can write.
    private static let supportedSeconds: ClosedRange<Double> = -62_135_596_800...253_402_300_799

    static func wholeSeconds(_ date: Date, rounding rule: FloatingPointRoundingRule) -> Int64? {
        let seconds = date.timeIntervalSince1970
        guard supportedSeconds.contains(seconds) else { return nil }
        return Int64(seconds.rounded(rule))
    }

    static func date(seconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(seconds))
    }
}
