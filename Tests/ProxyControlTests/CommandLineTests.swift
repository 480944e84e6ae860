import ChildProcess
import FaultlineTestSupport
import Foundation
import Testing

@Suite("faultline proxy --api --config")
struct CommandLineTests {
  @Test(
    "Proxies from --config are served and the API answers on the port it prints",
    .timeLimit(.minutes(1)))
  func apiAndConfig() async throws {
    let binary = try RepositoryPaths.faultline()
    let echo = try makeEchoServer()
    defer { echo.stop() }
    let directory = try ScratchDirectory.create(prefix: "faultline-config-test")
    defer { try? FileManager.default.removeItem(at: directory) }
    let config = directory.appendingPathComponent("proxies.json")
    let proxies = [
      ["name": "from-config", "listen": "127.0.0.1:0", "upstream": "127.0.0.1:\(echo.port)"]
    ]
    try JSONSerialization.data(withJSONObject: proxies).write(to: config)
    let child = try ChildRun(
      binary,
      [
        "proxy", "--api", "127.0.0.1:0", "--config", config.path, "--exit-with-parent",
      ])
    let line = try await child.firstLine(timeout: 20)
    let readyLine = try #require(line, "no ready line")
    let ready = try #require(
      try JSONSerialization.jsonObject(with: Data(readyLine.utf8)) as? [String: Any])
    let api = try #require(ready["api"] as? String)
    let apiPort = try #require(Int(api.split(separator: ":").last ?? ""))
    let client = HTTPTestClient(port: apiPort)
    let proxy = try await client.get("/proxies/from-config").object()
    let listen = try #require(proxy["listen"] as? String)
    let socket = try BlockingSocket.connect(
      port: try #require(UInt16(listen.split(separator: ":").last ?? "")))
    defer { socket.close() }
    _ = try echoRoundTrip(socket)
    let result = try await child.finish(terminate: true, timeout: 10)
    #expect(result.status == 0, "\(result.errors)")
  }

  @Test(
    "Without --api or --config, --upstream is required; a remote API address needs --api-allow-remote"
  )
  func validation() async throws {
    let binary = try RepositoryPaths.faultline()
    let noUpstream = try await ChildRun(binary, ["proxy"]).finish(timeout: 10)
    #expect(noUpstream.status != 0)
    #expect(noUpstream.errors.contains("--upstream is required"))
    let remote = try await ChildRun(binary, ["proxy", "--api", "0.0.0.0:0"]).finish(timeout: 10)
    #expect(remote.status != 0)
    #expect(remote.errors.contains("--api-allow-remote"))
  }

  @Test("--buffer-limit takes a size with a unit, refuses what is not one, and sets the bound")
  func bufferLimit() async throws {
    let binary = try RepositoryPaths.faultline()
    for (value, complaint) in [
      ("lots", "expected a size such as 100, 64KB or 1MiB"), ("12XB", "unknown size unit \"XB\""),
      ("-5MiB", "negative size"), ("100", "below the smallest useful bound"),
      ("99999999999GiB", "too large"),
    ] {
      let refused = try await ChildRun(
        binary, ["proxy", "--upstream", "127.0.0.1:9", "--buffer-limit=\(value)"]
      ).finish(timeout: 10)
      #expect(refused.status != 0, "\(value)")
      #expect(refused.errors.contains("--buffer-limit"), "\(value): \(refused.errors)")
      #expect(refused.errors.contains(complaint), "\(value): \(refused.errors)")
    }
    let child = try ChildRun(
      binary,
      ["proxy", "--upstream", "127.0.0.1:9", "--buffer-limit", "64MiB", "--exit-with-parent"])
    let line = try #require(try await child.firstLine(timeout: 20), "no ready line")
    let ready = try #require(
      try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(ready["buffer_limit"] as? Int == 64 << 20, "\(line)")
    let result = try await child.finish(terminate: true, timeout: 10)
    #expect(result.status == 0, "\(result.errors)")
  }
}
