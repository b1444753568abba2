import Foundation
import KubeClient
import Testing

@Suite struct JSONValueTests {
    @Test func roundTripKeepsIntegersAndUnknownFields() throws {
        let text = #"{"a":3,"b":1.5,"c":[true,null,"x"],"d":{"e":{}}}"#
        let value = try JSONValue.parse(Data(text.utf8))
        #expect(value["a"] == .int(3))
        #expect(value["b"] == .double(1.5))
        #expect(String(decoding: try value.serialized(), as: UTF8.self) == text)
    }

    @Test func setPathCreatesIntermediateObjects() {
        var value: JSONValue = [:]
        value.set(path: ["metadata", "labels", "app"], to: "web")
        #expect(value[path: ["metadata", "labels", "app"]] == "web")
        value.set(path: ["metadata", "labels", "app"], to: nil)
        #expect(value[path: ["metadata", "labels"]] == .object([:]))
    }

    @Test func kubeTimeFormatsAndParses() throws {
        let date = Date(timeIntervalSince1970: 1_772_953_200)
        #expect(KubeTime.format(date) == "2026-03-08T07:00:00Z")
        #expect(KubeTime.parse("2026-03-08T07:00:00Z") == date)
        #expect(KubeTime.parse("2026-03-08T15:00:00+08:00") == date)
        #expect(KubeTime.parse("2026-03-08T07:00:00.250000Z") == date.addingTimeInterval(0.25))
        #expect(KubeTime.formatMicro(date.addingTimeInterval(0.25)) == "2026-03-08T07:00:00.250000Z")
    }
}
