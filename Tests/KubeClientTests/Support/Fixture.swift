import Foundation
import Testing

/// Access to the files in `Fixtures/`.
enum Fixture {
    static func url(_ name: String) throws -> URL {
        let base = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        return try #require(
            Bundle.module.url(forResource: base, withExtension: ext, subdirectory: "Fixtures"),
            "missing fixture \(name)")
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: url(name))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try data(name), as: UTF8.self)
    }
}

/// A fresh directory under the system temporary directory, removed by ``remove()``.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("kubeclient-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ relative: String) -> String { (path as NSString).appendingPathComponent(relative) }

    /// Writes `contents` to `relative`, creating directories; returns the absolute path.
    @discardableResult
    func write(_ relative: String, _ contents: String, executable: Bool = false) throws -> String {
        let target = file(relative)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: target))
        if executable {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target)
        }
        return target
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
