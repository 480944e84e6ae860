import FaultHarness
import Foundation
import Testing

@testable import ComfyClient

/// The client's behaviour when nothing listens, and its configuration checks.
@Suite struct ClientWithoutServerTests {
  /// A loopback port that nothing listens on, and nothing else can take while the test runs: bound
  /// but never listening (a connect is refused), held until the caller closes the descriptor. A
  /// port merely bound and closed again was taken by another test's server in a busy run.
  private func closedPort() throws -> (port: Int, descriptor: Int32) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    try #require(fd >= 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
        bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
      }
    }
    if !bound { close(fd) }
    try #require(bound)
    return (Int(UInt16(bigEndian: address.sin_port)), fd)
  }

  @Test func connectFailsClearlyAfterTheHealthChecks() async throws {
    let (port, held) = try closedPort()
    defer { close(held) }
    var configuration = ClientHarness.configuration(port: port)
    configuration.healthCheck = .init(attempts: 2, delay: .milliseconds(10))
    try await ComfyClient.withClient(configuration) { client in
      let states = StreamTracker(client.stateChanges())
      do throws(ComfyClientError) {
        try await client.connect()
        Issue.record("connect() succeeded with no server")
      } catch {
        guard case .serverUnreachable(let url, let attempts, _) = error else {
          Issue.record("unexpected error \(error)")
          return
        }
        #expect(url.contains("\(port)"))
        #expect(attempts == 2)
      }
      #expect(client.connectionState == .failed)
      try await states.wait(for: "connecting then failed") {
        $0 == [.disconnected, .connecting, .failed]
      }
      #expect(await client.validateConnection() == false)
    }
  }

  @Test func aBadConfigurationIsRejectedByName() {
    var configuration = ClientHarness.configuration(port: 1)
    configuration.baseURL = URL(string: "ftp://example.com")!
    #expect(throws: ComfyClientError.self) { try ComfyClient(configuration: configuration) }
    configuration = ClientHarness.configuration(port: 1)
    configuration.liveness.silenceTimeout = .zero
    do throws(ComfyClientError) {
      _ = try ComfyClient(configuration: configuration)
      Issue.record("a zero silence timeout was accepted")
    } catch {
      #expect(error.description.contains("liveness.silenceTimeout"))
    }
  }

  @Test func webSocketURLKeepsThePathPrefixAndCarriesTheClientId() {
    var configuration = ClientHarness.configuration(port: 8188)
    configuration.baseURL = URL(string: "https://host.example/comfy/")!
    configuration.clientId = "abc"
    #expect(configuration.webSocketURL == "wss://host.example/comfy/ws?clientId=abc")
  }

  @Test func destroyWithoutConnectingEndsTheStreams() async throws {
    let client = try ComfyClient(configuration: ClientHarness.configuration(port: 1))
    let events = client.events()
    await client.destroy()
    var iterator = events.makeAsyncIterator()
    #expect(await iterator.next() == nil)
    await #expect(throws: ComfyClientError.destroyed) { try await client.connect() }
  }
}
