import FaultlineTestSupport
import Foundation
import Testing

@Suite("Many clients changing toxics while traffic flows")
struct ConcurrencyTests {
  @Test("No crash, no lost or reordered byte, no hang, every answer a documented status")
  func changesUnderTraffic() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("busy")
      let connectionCount = 16
      let payloadSize = 256 * 1024
      async let traffic: [Bool] = withThrowingTaskGroup(of: Bool.self) { group in
        for seed in 0..<connectionCount {
          group.addTask {
            try await blocking {
              let socket = try BlockingSocket.connect(port: UInt16(port))
              defer { socket.close() }
              let payload = (0..<payloadSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed) }
              var echoed: [UInt8] = []
              for offset in stride(from: 0, to: payloadSize, by: 16 * 1024) {
                try socket.send(Array(payload[offset..<min(offset + 16 * 1024, payloadSize)]))
                echoed += try socket.receive(exactly: min(16 * 1024, payloadSize - offset))
              }
              return echoed == payload
            }
          }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
        for worker in 0..<8 {
          group.addTask {
            var seen: [Int] = []
            let name = "t\(worker % 4)"
            let bodies: [[String: Any]] = [
              ["type": "latency", "name": name, "attributes": ["latency": 2, "jitter": 1]],
              [
                "type": "slicer", "name": name,
                "attributes": ["average_size": 512, "size_variation": 100],
              ],
              [
                "type": "bandwidth", "name": name, "stream": "upstream",
                "attributes": ["rate": 100_000],
              ],
              ["type": "noop", "name": name],
            ]
            for round in 0..<20 {
              seen.append(
                try await fixture.client.post(
                  "/proxies/busy/toxics", json: bodies[(round + worker) % 4]
                ).status)
              seen.append(
                try await fixture.client.patch(
                  "/proxies/busy/toxics/\(name)", json: ["toxicity": 1]
                ).status)
              seen.append(try await fixture.client.get("/proxies/busy").status)
              seen.append(try await fixture.client.delete("/proxies/busy/toxics/\(name)").status)
            }
            return seen
          }
        }
        return try await group.reduce(into: []) { $0 += $1 }
      }
      let results = try await traffic
      #expect(results.count == connectionCount)
      #expect(results.allSatisfy { $0 }, "every connection got back exactly what it sent")
      #expect(Set(statuses).isSubset(of: [200, 204, 404, 409]), "statuses: \(Set(statuses))")
      #expect(statuses.count == 8 * 20 * 4)
      let remaining = try await fixture.client.get("/proxies/busy/toxics")
      #expect(remaining.status == 200)
    }
  }

  @Test("Concurrent create, move and delete of one proxy leave it whole or gone")
  func proxySetChanges() async throws {
    try await ControlFixture.with { fixture in
      let upstreams = [fixture.upstream, "localhost:\(fixture.echo.port)"]
      let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
        for worker in 0..<8 {
          group.addTask {
            var seen: [Int] = []
            for round in 0..<10 {
              let upstream = upstreams[(worker + round) % 2]
              seen.append(
                try await fixture.client.post(
                  "/proxies", json: ["name": "x", "upstream": upstream]
                ).status)
              seen.append(
                try await fixture.client.patch("/proxies/x", json: ["upstream": upstream]).status)
              seen.append(
                try await fixture.client.post("/proxies/x/toxics", json: ["type": "noop"]).status)
              if round % 3 == worker % 3 {
                seen.append(try await fixture.client.delete("/proxies/x").status)
              }
            }
            return seen
          }
        }
        return try await group.reduce(into: []) { $0 += $1 }
      }
      #expect(Set(statuses).isSubset(of: [200, 201, 204, 404, 409]), "statuses: \(Set(statuses))")
      let final = try await fixture.client.get("/proxies/x")
      if final.status == 200 {
        let listen = try #require(try final.object()["listen"] as? String)
        let port = try #require(Int(listen.split(separator: ":").last ?? ""))
        _ = try await blocking {
          let socket = try BlockingSocket.connect(port: UInt16(port))
          defer { socket.close() }
          return try echoRoundTrip(socket)
        }
      } else {
        #expect(final.status == 404)
      }
      #expect(fixture.engine.proxies().count == (final.status == 200 ? 1 : 0))
    }
  }
}
