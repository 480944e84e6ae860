import FaultProxy
import FaultlineTestSupport
import Foundation

/// Pseudo-random bytes from a seed, so a test can regenerate what it sent to compare.
func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
  var state = seed &+ 0x9E37_79B9_7F4A_7C15
  var bytes = [UInt8](repeating: 0, count: count)
  for index in 0..<count {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
  }
  return bytes
}

/// Splits `count` into random write sizes between 1 and `maximum`.
func randomSizes(total: Int, maximum: Int, seed: UInt64) -> [Int] {
  var generator = SplitMix64(state: seed)
  var sizes: [Int] = []
  var remaining = total
  while remaining > 0 {
    let size = min(remaining, Int(generator.next() % UInt64(maximum)) + 1)
    sizes.append(size)
    remaining -= size
  }
  return sizes
}

/// An engine with one proxy in front of `server`, torn down by `close`.
struct ProxyFixture {
  let engine: ProxyEngine
  let info: ProxyInfo

  static func start(
    upstreamHost: String = "127.0.0.1", upstreamPort: UInt16, listenHost: String = "127.0.0.1",
    loops: Int = 2, faults: [FaultSpec] = [], seed: UInt64 = 42
  ) async throws -> ProxyFixture {
    let engine = try ProxyEngine(configuration: EngineConfiguration(loopCount: loops, seed: seed))
    let info = try await engine.addProxy(
      ProxyConfiguration(
        name: "test",
        listen: try SocketAddress(host: listenHost, port: 0),
        upstream: try SocketAddress(host: upstreamHost, port: upstreamPort),
        faults: faults))
    return ProxyFixture(engine: engine, info: info)
  }

  var port: UInt16 { info.listen.port }

  func connect() throws -> BlockingSocket {
    try BlockingSocket.connect(host: info.listen.isIPv6 ? "::1" : "127.0.0.1", port: port)
  }

  func close() async {
    await engine.shutdown()
  }
}
