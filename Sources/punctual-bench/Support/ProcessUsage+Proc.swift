import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Another process's figures, from /proc

extension ProcessUsage {
    /// The figures of process `pid` now: CPU from `/proc/<pid>/stat` (utime + stime), memory from
    /// `/proc/<pid>/status` (VmHWM, VmRSS). Linux only.
    ///
    /// - Throws: ``BenchProcessError`` naming the file when it cannot be read or parsed (the
    ///   process exited, or this is not Linux).
    static func of(pid: Int32) throws -> ProcessUsage {
        let statPath = "/proc/\(pid)/stat"
        let statusPath = "/proc/\(pid)/status"
        let stat: String
        let status: String
        do {
            stat = try String(contentsOfFile: statPath, encoding: .utf8)
            status = try String(contentsOfFile: statusPath, encoding: .utf8)
        } catch {
            throw BenchProcessError("cannot read \(statPath) or \(statusPath): \(error)")
        }
        guard let ticks = cpuTicks(inStat: stat) else {
            throw BenchProcessError("\(statPath) has no utime and stime fields: \(stat.prefix(200))")
        }
        return ProcessUsage(
            cpuSeconds: Double(ticks) / Double(clockTicksPerSecond),
            peakResidentMiB: kibibytes("VmHWM", in: status).map { $0 / 1024 },
            residentMiB: kibibytes("VmRSS", in: status).map { $0 / 1024 })
    }

    /// utime + stime (fields 14 and 15, in clock ticks) of a `/proc/<pid>/stat` line.
    ///
    /// The command name (field 2) is in parentheses and may itself hold spaces and parentheses,
    /// so fields are counted from the last `)`. `nil` when the line is too short or not numeric.
    static func cpuTicks(inStat stat: String) -> Int? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        // After the command name: field 3 (state) is at index 0, so field n is at index n - 3.
        let fields = stat[stat.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    /// The kernel's clock ticks per second (`_SC_CLK_TCK`, 100 on usual Linux systems).
    static var clockTicksPerSecond: Int {
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return ticks > 0 ? ticks : 100
    }
}
