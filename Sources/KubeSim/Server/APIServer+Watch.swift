import Foundation
import Hummingbird
import KubeClient
import NIOCore

// MARK: - Watch streams

extension APIServer {
    /// Serves `?watch=1`: newline-delimited JSON events, streamed as they happen.
    ///
    /// `resourceVersion` empty or `0` (or `sendInitialEvents=true`) sends the current state as ADDED
    /// first; any other value replays the retained history after it, or sends one ERROR event with a
    /// 410 Expired Status when the history no longer reaches back. `timeoutSeconds` ends the stream
    /// after that long on the simulation clock. Bookmarks are sent every
    /// ``Configuration/bookmarkInterval`` when `allowWatchBookmarks=true`.
    func watch(_ path: APIPath.ResourcePath, type: ServedResource, query: QueryParameters, presenter: Presenter)
        throws -> Response
    {
        let options = try listOptions(path, type: type, query: query)
        let versionText = query["resourceVersion"] ?? ""
        let sendsInitialEvents = query.flag("sendInitialEvents")
        let start: WatchStart
        if sendsInitialEvents || versionText.isEmpty || versionText == "0" {
            start = .initialState
        } else if let version = Int64(versionText) {
            start = .after(version)
        } else {
            throw Status.badRequest("resourceVersion \"\(versionText)\" is not a valid resource version")
        }
        let timeout = query["timeoutSeconds"].flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil }
        let filter = WatchFilter(
            labelSelector: options.labelSelector, fieldSelector: options.fieldSelector,
            allowsBookmarks: query.flag("allowWatchBookmarks"))
        let bookmark: @Sendable (Int64, Bool) -> JSONValue = { revision, isInitialEnd in
            var metadata: JSONValue = ["resourceVersion": .string(String(revision))]
            if isInitialEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
            return [
                "kind": .string(type.kind), "apiVersion": .string(type.apiVersion(path.version)), "metadata": metadata,
            ]
        }
        if isStopping { return Self.streamingResponse(ResponseBody()) }
        let subscription: StoreSubscription
        do throws(Status) {
            subscription = try store.subscribe(
                resources: [type.groupResource], namespace: path.namespace.isEmpty ? nil : path.namespace,
                from: start, bufferLimit: configuration.watchBufferLimit)
        } catch {
            guard error.code == 410 || error.code == 504 else { throw error }
            // A real server answers 200 and reports the expiry as the stream's only event.
            let event = RawWatchEvent(type: .error, object: (try? JSONValue(encoding: error)) ?? .null)
            return Self.streamingResponse(ResponseBody(byteBuffer: Self.line(event)))
        }
        let clock = store.clock
        let connection = ConnectionContext.current
        let body = ResponseBody { writer in
            if let connection { self.watchStarted(connection) }
            defer { if let connection { self.watchEnded(connection) } }
            await withTaskGroup(of: Void.self) { group in
                if let timeout {
                    group.addTask {
                        try? await clock.sleep(for: .seconds(timeout))
                        subscription.cancel()
                    }
                }
                var delivered = 0
                var isFirst = true
                if sendsInitialEvents && filter.allowsBookmarks && subscription.initialEventCount == 0 {
                    // Nothing to replay: the end-of-initial-events bookmark comes first.
                    let end = RawWatchEvent(type: .bookmark, object: bookmark(subscription.startRevision, true))
                    try? await writer.write(Self.line(end))
                }
                for await change in subscription.events {
                    // On shutdown the stream ends at once: events still buffered are not delivered.
                    if self.isStopping { break }
                    delivered += 1
                    var lines: [ByteBuffer] = []
                    if change.type == .bookmark {
                        if filter.allowsBookmarks {
                            lines.append(
                                Self.line(
                                    RawWatchEvent(type: .bookmark, object: bookmark(change.resourceVersion, false))))
                        }
                    } else if let (eventType, object) = filter.event(for: change) {
                        let rendered = presenter.watchObject(object, isFirst: isFirst)
                        isFirst = false
                        lines.append(Self.line(RawWatchEvent(type: eventType, object: rendered)))
                    }
                    if sendsInitialEvents && filter.allowsBookmarks && delivered == subscription.initialEventCount {
                        lines.append(
                            Self.line(
                                RawWatchEvent(type: .bookmark, object: bookmark(subscription.startRevision, true))))
                    }
                    do {
                        for line in lines { try await writer.write(line) }
                    } catch {
                        break  // the client went away
                    }
                }
                group.cancelAll()
            }
            subscription.cancel()
            try await writer.finish(nil)
        }
        return Self.streamingResponse(body)
    }

    private static func streamingResponse(_ body: ResponseBody) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache, private"], body: body)
    }

    /// One event as a JSON line.
    static func line(_ event: RawWatchEvent) -> ByteBuffer {
        JSONWriter.buffer(["type": .string(event.type.rawValue), "object": event.object], newline: true)
    }
}
