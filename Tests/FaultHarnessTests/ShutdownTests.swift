import ChildProcess
import ComfyClient
import FaultHarness
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `faultline up` stopped while a client is connected through its proxy: it must not wait on the open
/// connection, and must leave nothing listening or running.
@Suite struct ShutdownTests {
  @Test func upExitsOnSIGTERMWithAClientConnectedAndLeavesNothingBehind() async throws {
    let up = try ManagedChild(
      executable: FaultlineExecutable.url,
      arguments: ["up", "--node-time", "50ms", "--status-interval", "250ms", "--exit-with-parent"])
    defer { up.signal(SIGKILL) }
    let ready = try await up.waitForReadyLine(timeout: .seconds(30))
    let proxy = try #require(ready.string("proxy").flatMap(URL.init(string:)), "\(ready.line)")
    let server = try #require(ready.string("server").flatMap(URL.init(string:)), "\(ready.line)")
    let serverPID = try #require(ready.integer("server_pid"), "\(ready.line)")
    try await ComfyClient.withClient(.fastRecovery(baseURL: proxy)) { client in
      try await client.connect()
      #expect(up.signal(SIGTERM))
      #expect(await up.waitForExit(timeout: .seconds(10)) == .exited(code: 0))
    }
    try await pollUntil("the server of a stopped `up` to exit", timeout: .seconds(5)) {
      !isAlive(serverPID)
    }
    // Neither the proxy's port nor the server's answers any more.
    for port in [proxy.port, server.port] {
      let answer = try? await HTTPProbe.request("GET", "/prompt", port: try #require(port))
      #expect(answer == nil, "port \(port ?? 0) still answers")
    }
  }
}
