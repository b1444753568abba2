import Foundation
import KubeClient
import KubeSim
import Synchronization
import Testing

@Suite struct FaultIntegrationTests {
    static let map = ConfigMap(metadata: ObjectMeta(name: "m", namespace: "default"), data: ["k": "v"])

    @Test func tooManyRequestsWaitsForRetryAfterThenSucceeds() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            sim.server.faults.fail(
                .init(verb: "list", resource: "configmaps", count: 2, code: 429, retryAfterSeconds: 3))
            let (list, waits) = try await sim.drivingClock { try await maps.list() }
            #expect(list.items.isEmpty)
            #expect(waits == [.seconds(3), .seconds(3)])
            #expect(sim.requests.codes(.list) == [429, 429, 200])
        }
    }

    @Test func serverErrorBurstIsRetriedWithExponentialBackoff() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            _ = try await maps.create(Self.map)
            sim.server.faults.fail(.init(verb: "get", resource: "configmaps", count: 3, code: 500))
            let (map, waits) = try await sim.drivingClock { try await maps.get("m") }
            #expect(map.data == ["k": "v"])
            #expect(waits == [.milliseconds(100), .milliseconds(200), .milliseconds(400)])
            #expect(sim.requests.codes(.get) == [500, 500, 500, 200])
        }
    }

    @Test func retriesAreBoundedAndTheLastErrorIsThrown() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            sim.server.faults.fail(.init(verb: "list", count: 10, code: 503))
            await #expect {
                _ = try await sim.drivingClock { try await maps.list() }
            } throws: { error in
                guard let error = error as? KubeError, case .server(503) = error.kind else { return false }
                return error.isRetryable
            }
            #expect(sim.requests.codes(.list) == [503, 503, 503, 503], "maxAttempts = 4")
        }
    }

    @Test func createIsRetriedOnlyWhenDeclaredSafe() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            sim.server.faults.fail(.init(verb: "create", resource: "configmaps", count: 1, code: 503))
            await #expect {
                _ = try await sim.drivingClock { try await maps.create(Self.map) }
            } throws: { error in
                guard let error = error as? KubeError, case .server(503) = error.kind else { return false }
                return error.verb == .create && error.name == "m"
            }
            sim.server.faults.fail(.init(verb: "create", resource: "configmaps", count: 1, code: 503))
            let (created, waits) = try await sim.drivingClock {
                try await maps.create(Self.map, options: WriteOptions(isSafeToRetry: true))
            }
            #expect(created.metadata.name == "m")
            #expect(waits.count == 1)
        }
    }

    @Test func modifyRereadsAndReappliesAfterConflicts() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.objects(ConfigMap.self, namespace: "default")
            _ = try await maps.create(try KubeObject(Self.map))
            sim.server.faults.fail(.init(verb: "update", resource: "configmaps", count: 2, code: 409))
            let applied = Mutex(0)
            let written = try await maps.modify("m") { map in
                applied.withLock { $0 += 1 }
                map.value.data?["k"] = "edited"
            }
            #expect(written.value.data == ["k": "edited"])
            #expect(applied.withLock { $0 } == 3)
            #expect(sim.requests.codes(.update) == [409, 409, 200])
            #expect(sim.requests.codes(.get) == [200, 200, 200])

            sim.server.faults.fail(.init(verb: "update", resource: "configmaps", count: 5, code: 409))
            await #expect {
                try await maps.modify("m", attempts: 2) { $0.value.data?["k"] = "never" }
            } throws: { error in
                (error as? KubeError)?.isConflict ?? false
            }
        }
    }

    @Test func everyInjectedErrorCodeMapsToItsKind() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            for (code, check) in [
                (403, { (kind: KubeError.Kind) in if case .forbidden = kind { true } else { false } }),
                (401, { kind in if case .unauthorized = kind { true } else { false } }),
                (400, { kind in if case .badRequest = kind { true } else { false } }),
                (501, { kind in if case .server(501) = kind { true } else { false } }),
            ] {
                sim.server.faults.fail(.init(verb: "get", resource: "configmaps", count: 1, code: code))
                await #expect {
                    try await maps.get("anything")
                } throws: { error in
                    guard let error = error as? KubeError else { return false }
                    return check(error.kind) && error.code == code && error.name == "anything"
                }
            }
        }
    }

    @Test func unavailableServerIsWaitedOut() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            sim.server.faults.makeUnavailable(for: .seconds(2))
            let (list, waits) = try await sim.drivingClock(onWait: { sim.serverClock.advance(by: $0) }) {
                try await maps.list()
            }
            #expect(list.items.isEmpty)
            #expect(!waits.isEmpty)
            #expect(sim.requests.codes(.list).last == 200)
        }
    }

    @Test func connectionRefusedIsATransportErrorAfterRetries() async throws {
        // A port nothing listens on: bind a server, note its URL, stop it.
        let url = try await ClientHarness.with { $0.url }
        let configuration = ClientConfiguration(
            server: url, connectTimeout: .milliseconds(100),
            retryPolicy: try RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(1))
        )
        let client = try KubeClient(configuration: configuration)
        await #expect {
            try await client.resource(ConfigMap.self, namespace: "default").get("x")
        } throws: { error in
            guard let error = error as? KubeError, case .transport = error.kind else { return false }
            return error.isRetryable
        }
        try await client.shutdown()
    }
}
