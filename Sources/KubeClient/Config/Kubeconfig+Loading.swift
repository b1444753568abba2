import Foundation
import Yams

// MARK: - Reading kubeconfig files

extension Kubeconfig {
    /// The kubeconfig kubectl would use: the files listed in `KUBECONFIG` (colon-separated,
    /// missing ones skipped as kubectl skips them), else `~/.kube/config`.
    ///
    /// - Parameters:
    ///   - environment: the process environment (injected for tests).
    ///   - homeDirectory: where `.kube/config` is looked for.
    /// - Throws: ``ConfigurationError`` when no file exists or one cannot be parsed.
    public static func loadDefault(environment: [String: String], homeDirectory: String) throws -> Kubeconfig {
        let manager = FileManager.default
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            let paths = list.split(separator: ":").map(String.init).filter { manager.fileExists(atPath: $0) }
            guard !paths.isEmpty else {
                throw ConfigurationError(message: "none of the files in KUBECONFIG exists: \(list)")
            }
            return try load(paths: paths)
        }
        let path = (homeDirectory as NSString).appendingPathComponent(".kube/config")
        guard manager.fileExists(atPath: path) else {
            throw ConfigurationError(
                file: path, message: "no kubeconfig: the file does not exist and KUBECONFIG is unset")
        }
        return try load(paths: [path])
    }

    /// Loads and merges several files, first file winning (see ``merging(_:)``).
    public static func load(paths: [String]) throws -> Kubeconfig {
        try merging(paths.map { try load(path: $0) })
    }

    /// Loads one file, resolving its relative paths against its directory.
    public static func load(path: String) throws -> Kubeconfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: path, message: "cannot read the kubeconfig: \(error.localizedDescription)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try parse(text, file: path, baseDirectory: directory.isEmpty ? "." : directory)
    }

    /// Parses kubeconfig YAML.
    ///
    /// - Parameters:
    ///   - file: named in errors and recorded as each entry's origin.
    ///   - baseDirectory: relative paths are resolved against it; `nil` leaves them as written.
    public static func parse(_ yaml: String, file: String? = nil, baseDirectory: String? = nil) throws -> Kubeconfig {
        let wire: Wire
        do {
            wire = try YAMLDecoder().decode(Wire.self, from: yaml)
        } catch {
            throw ConfigurationError(file: file, message: "not a valid kubeconfig: \(error)")
        }
        if let kind = wire.kind, kind != "Config" {
            throw ConfigurationError(file: file, field: "kind", message: "expected Config, got \(kind)")
        }
        var config = Kubeconfig(currentContext: wire.currentContext)
        for named in wire.clusters ?? [] {
            var cluster = named.cluster ?? Cluster()
            cluster.certificateAuthority = resolve(cluster.certificateAuthority, against: baseDirectory)
            if config.clusters[named.name] == nil { config.clusters[named.name] = Entry(cluster, file: file) }
        }
        for named in wire.users ?? [] {
            var user = named.user ?? User()
            user.clientCertificate = resolve(user.clientCertificate, against: baseDirectory)
            user.clientKey = resolve(user.clientKey, against: baseDirectory)
            user.tokenFile = resolve(user.tokenFile, against: baseDirectory)
            // Like client-go: a command with a path separator is a path, resolved against the
            // file; a bare name is looked up in PATH when the plugin runs.
            if let command = user.exec?.command, command.contains("/") {
                user.exec?.command = resolve(command, against: baseDirectory)
            }
            if config.users[named.name] == nil { config.users[named.name] = Entry(user, file: file) }
        }
        for named in wire.contexts ?? [] {
            if config.contexts[named.name] == nil {
                config.contexts[named.name] = Entry(named.context ?? Context(), file: file)
            }
        }
        return config
    }

    private static func resolve(_ path: String?, against directory: String?) -> String? {
        guard let path, !path.isEmpty else { return path }
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") {
            return (FileManager.default.homeDirectoryForCurrentUser.path as NSString)
                .appendingPathComponent(String(path.dropFirst(2)))
        }
        guard let directory else { return path }
        return ((directory as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }

    /// The file layout: lists of named entries.
    private struct Wire: Decodable {
        var kind: String?
        var currentContext: String?
        var clusters: [NamedCluster]?
        var users: [NamedUser]?
        var contexts: [NamedContext]?

        enum CodingKeys: String, CodingKey {
            case kind, clusters, users, contexts
            case currentContext = "current-context"
        }
    }

    private struct NamedCluster: Decodable {
        var name: String
        var cluster: Cluster?
    }

    private struct NamedUser: Decodable {
        var name: String
        var user: User?
    }

    private struct NamedContext: Decodable {
        var name: String
        var context: Context?
    }
}
