import ChildProcess
import Foundation
import MockComfy
import Testing

/// The mock listens only where this machine alone reaches it unless told otherwise.
@Suite struct ListenAddressTests {
  @Test func aNonLoopbackAddressIsRefusedWithoutAllowRemote() async throws {
    let server = MockServer(configuration: .init(host: "0.0.0.0"))
    await #expect(throws: MockServer.StartError.remoteNotAllowed(host: "0.0.0.0")) {
      _ = try await server.start()
    }
    let allowed = MockServer(configuration: .init(host: "0.0.0.0", allowRemote: true))
    #expect(try await allowed.start() > 0)
    await allowed.stop()
  }

  @Test func theMockCommandNamesTheAddressAndTheFlag() async throws {
    let child = try ManagedChild(
      executable: try FaultlineExecutable.url,
      arguments: ["mock", "--host", "0.0.0.0", "--port", "0", "--exit-with-parent"])
    let status = await child.waitForExit(timeout: .seconds(20))
    #expect(status != .exited(code: 0) && status != nil)
    #expect(child.standardError.contains("0.0.0.0"), "\(child.standardError)")
    #expect(child.standardError.contains("--allow-remote"), "\(child.standardError)")
    if status == nil { await child.terminate(grace: .seconds(2)) }
  }
}
