import Foundation

extension KubeTime {
    /// An interval as kubectl shows ages (`45s`, `3m20s`, `25m`, `5h10m`, `3d`), following
    /// apimachinery's `duration.HumanDuration`: seconds below 2 minutes, then ever coarser units.
    ///
    /// Used by KubeSim's table output and by `punctual demo`, so both read exactly like
    /// `kubectl get`. Intervals below -1 s (a clock skew) read `<invalid>`.
    public static func humanDuration(_ interval: TimeInterval) -> String {
        if interval < -1 { return "<invalid>" }
        let seconds = Int(max(0, interval))
        if seconds < 120 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 { return seconds % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(seconds % 60)s" }
        if minutes < 180 { return "\(minutes)m" }
        let hours = minutes / 60
        if hours < 8 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m" }
        if hours < 48 { return "\(hours)h" }
        let days = hours / 24
        if hours < 24 * 8 { return hours % 24 == 0 ? "\(days)d" : "\(days)d\(hours % 24)h" }
        if days < 365 * 2 { return "\(days)d" }
        let years = days / 365
        if years < 8 { return days % 365 == 0 ? "\(years)y" : "\(years)y\(days % 365)d" }
        return "\(years)y"
    }
}
