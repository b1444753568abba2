import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// This process's resource use: CPU time from `getrusage`, memory from `/proc/self/status`.
struct ProcessUsage: Sendable {
    /// User plus system CPU seconds since the process started.
    var cpuSeconds: Double
    /// Peak resident set (`VmHWM`), in MiB; `nil` where `/proc` is missing.
    var peakResidentMiB: Double?
    /// Current resident set (`VmRSS`), in MiB.
    var residentMiB: Double?

    /// The figures now.
    static func current() -> ProcessUsage {
        var usage = rusage()
        #if canImport(Glibc)
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime)
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        return ProcessUsage(
            cpuSeconds: cpu, peakResidentMiB: kibibytes("VmHWM", in: status).map { $0 / 1024 },
            residentMiB: kibibytes("VmRSS", in: status).map { $0 / 1024 })
    }

    private static func seconds(_ time: timeval) -> Double {
        Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000
    }

    /// The value of a `Name:   1234 kB` line of `/proc/self/status`.
    static func kibibytes(_ field: String, in status: String) -> Double? {
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let number = line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
            return number.flatMap { Double($0) }
        }
        return nil
    }
}
