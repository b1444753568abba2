import Foundation
import KubeClient
import KubeSim
import PunctualTestSupport
import Testing

/// Bearer-token authentication and every injected fault, over HTTP and through the Swift API.
@Suite struct AccessAndFaultTests {
    struct TokenCase: Sendable, CustomTestStringConvertible {
        let name: String
        let header: String?
        let status: Int
        var testDescription: String { name }
    }

    @Test(arguments: [
        TokenCase(name: "no token → 401", header: nil, status: 401),
        TokenCase(name: "wrong token → 401", header: "Bearer nope", status: 401),
        TokenCase(name: "right token → 200", header: "Bearer s3cret", status: 200),
    ])
    func bearerTokenIsRequiredWhenConfigured(_ testCase: TokenCase) async throws {
        try await SimHarness.with(configuration: APIServer.Configuration(bearerToken: "s3cret")) { sim in
            let client = RawJSONClient(baseURL: sim.baseURL)
            let headers = testCase.header.map { ["Authorization": $0] } ?? [:]
            let reply = try await client.request(.GET, "/api/v1/namespaces", headers: headers)
            await client.shutdown()
            #expect(reply.status == testCase.status)
            if testCase.status == 401 {
                #expect(reply.body["reason"] == "Unauthorized")
                #expect(reply.body["code"] == 401)
            }
        }
    }

    @Test func failuresHitOnlyMatchingRequestsAndOnlyCountTimes() async throws {
        try await SimHarness.with { sim in
            let rule: JSONValue = [
                "verb": "create", "resource": "jobs", "count": 2, "code": 429, "retryAfterSeconds": 3,
            ]
            #expect(try await sim.request(.POST, "/sim/faults/fail", body: rule).status == 200)
            let listed = try await sim.request(.GET, Fixtures.jobs)
            #expect(listed.status == 200)
            let otherResource = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a"))
            #expect(otherResource.status == 201)
            for _ in 0..<2 {
                let throttled = try await sim.request(.POST, Fixtures.jobs, body: Fixtures.job("j"))
                #expect(throttled.status == 429)
                #expect(throttled.headers["retry-after"] == "3")
                #expect(throttled.body["reason"] == "TooManyRequests")
                #expect(throttled.body[path: ["details", "retryAfterSeconds"]] == 3)
            }
            #expect(try await sim.request(.POST, Fixtures.jobs, body: Fixtures.job("j")).status == 201)
        }
    }

    struct CodeCase: Sendable, CustomTestStringConvertible {
        let name: String
        let code: Int
        let reason: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        CodeCase(name: "500 → InternalError", code: 500, reason: "InternalError"),
        CodeCase(name: "503 → ServiceUnavailable", code: 503, reason: "ServiceUnavailable"),
    ])
    func injectedServerErrorsAreProperStatuses(_ testCase: CodeCase) async throws {
        try await SimHarness.with { sim in
            sim.server.faults.fail(FaultInjector.FailureRule(verb: "list", count: 1, code: testCase.code))
            let reply = try await sim.request(.GET, Fixtures.configMaps)
            #expect(reply.status == testCase.code)
            #expect(reply.body["reason"] == .string(testCase.reason))
            #expect(try await sim.request(.GET, Fixtures.configMaps).status == 200)
        }
    }

    @Test func unavailabilityLastsForItsDurationOnTheClock() async throws {
        let clock = Fixtures.clock()
        try await SimHarness.with(clock: clock) { sim in
            _ = try await sim.request(.POST, "/sim/faults/unavailable", body: ["seconds": 30])
            let down = try await sim.request(.GET, "/api/v1/namespaces")
            #expect(down.status == 503)
            #expect(try await sim.request(.GET, "/version").status == 503)
            clock.advance(by: .seconds(29))
            #expect(try await sim.request(.GET, "/api/v1/namespaces").status == 503)
            clock.advance(by: .seconds(1))
            #expect(try await sim.request(.GET, "/api/v1/namespaces").status == 200)
        }
    }

    @Test func latencyDelaysRequestsInRealTime() async throws {
        try await SimHarness.with { sim in
            _ = try await sim.request(.POST, "/sim/faults/latency", body: ["milliseconds": 150])
            let started = ContinuousClock.now
            _ = try await sim.request(.GET, "/api/v1/namespaces")
            #expect(ContinuousClock.now - started >= .milliseconds(150))
            let snapshot = try await sim.request(.GET, "/sim/faults").body
            #expect(snapshot["latencyMilliseconds"] == 150)
            _ = try await sim.request(.DELETE, "/sim/faults")
            #expect(try await sim.request(.GET, "/sim/faults").body["latencyMilliseconds"] == 0)
        }
    }

    @Test func malformedFaultRequestsAreRefused() async throws {
        try await SimHarness.with { sim in
            let notAnError = try await sim.request(.POST, "/sim/faults/fail", body: ["code": 200, "count": 1])
            let misnamed = try await sim.request(.POST, "/sim/faults/latency", body: ["ms": 1])
            let unknown = try await sim.request(.POST, "/sim/faults/nothing", body: [:])
            #expect([notAnError.status, misnamed.status, unknown.status] == [400, 400, 404] as [Int])
            #expect(sim.server.faults.pendingFailures.isEmpty)
        }
    }

    @Test func healthProbesNeedNoToken() async throws {
        try await SimHarness.with(configuration: APIServer.Configuration(bearerToken: "t")) { sim in
            let client = RawJSONClient(baseURL: sim.baseURL)
            let reply = try await client.request(.GET, "/healthz")
            await client.shutdown()
            #expect(reply.status == 200 && reply.text == "ok")
        }
    }
}
