import FaultlineHTTP
import FaultlineTestSupport
import Foundation
import Logging
import MockComfy
import NIOCore
import Synchronization

/// A WebSocket client for the tests that records everything it receives, in order.
final class TestSocket: Sendable {
  enum Received: Sendable {
    case text(JSONValue)
    case binary([UInt8])
  }

  private enum Command: Sendable {
    case send(String)
    case close
  }

  /// State shared with the connection task (a `Mutex` cannot be captured by copy, so it lives in a class).
  private final class Recorder: Sendable {
    let received = Mutex<[Received]>([])
    /// Set when the connection has ended: the close frame seen, or nil when it ended without one or failed.
    let ending = Mutex<WebSocketCloseFrame??>(nil)
  }

  private let recorder = Recorder()
  private let commands: AsyncStream<Command>.Continuation
  private let run: Task<Void, Never>

  private init(url: String) {
    let (stream, continuation) = AsyncStream<Command>.makeStream()
    commands = continuation
    let recorder = self.recorder
    var logger = Logger(label: "test-socket")
    logger.logLevel = .critical
    run = Task {
      let frame = try? await WebSocketConnector.connect(
        url: url, options: .init(maxFrameSize: 1 << 22), logger: logger
      ) {
        inbound, outbound, _ in
        try await withThrowingTaskGroup(of: Void.self) { group in
          group.addTask {
            for try await message in inbound.messages(maxSize: 1 << 24) {
              switch message {
              case .text(let text):
                let json = (try? JSONValue.parse(Array(text.utf8))) ?? .string(text)
                recorder.received.withLock { $0.append(.text(json)) }
              case .binary(let buffer):
                recorder.received.withLock { $0.append(.binary(Array(buffer.readableBytesView))) }
              }
            }
          }
          group.addTask {
            for await command in stream {
              switch command {
              case .send(let text): try await outbound.write(.text(text))
              case .close:
                try await outbound.close(.normalClosure, reason: nil)
                return
              }
            }
          }
          try await group.next()
          group.cancelAll()
        }
      }
      recorder.ending.withLock { $0 = .some(frame ?? nil) }
    }
  }

  /// Connects to `/ws` (with `clientId` when given) and waits for the greeting `status` message.
  static func connect(
    port: Int, clientID: String?, path: String = "/ws", featureFlags: Bool = false
  ) async throws -> TestSocket {
    let query = clientID.map { "?clientId=\($0)" } ?? ""
    let socket = TestSocket(url: "ws://127.0.0.1:\(port)\(path)\(query)")
    OpenSockets.current?.add(socket)
    if featureFlags {
      socket.send(["type": "feature_flags", "data": ["supports_preview_metadata": true]])
    }
    guard await pollUntil({ !socket.messages.isEmpty || socket.hasEnded }), !socket.messages.isEmpty
    else {
      socket.close()
      throw TestSocketError(
        description: "no greeting from \(path) (connection failed or timed out)")
    }
    return socket
  }

  var messages: [Received] { recorder.received.withLock { $0 } }

  /// The text messages, in order.
  var texts: [JSONValue] {
    messages.compactMap { if case .text(let json) = $0 { json } else { nil } }
  }

  var binaries: [[UInt8]] {
    messages.compactMap { if case .binary(let bytes) = $0 { bytes } else { nil } }
  }

  func send(_ json: JSONValue) {
    commands.yield(.send(json.pythonJSONText))
  }

  /// Waits for a text message satisfying `predicate`; nil after the deadline.
  func waitForText(timeout: Duration = .seconds(10), where predicate: @escaping (JSONValue) -> Bool)
    async -> JSONValue?
  {
    var found: JSONValue?
    _ = await pollUntil(timeout: timeout) {
      found = texts.first(where: predicate)
      return found != nil
    }
    return found
  }

  /// Waits for `executing` with `node: null` for `promptID`, the "prompt done" signal of real clients.
  func waitForDone(promptID: String, timeout: Duration = .seconds(20)) async -> Bool {
    await waitForText(timeout: timeout) {
      $0["type"] == "executing" && $0["data"]?["node"] == .null
        && $0["data"]?["prompt_id"]?.stringValue == promptID
    } != nil
  }

  /// Starts a normal close from the client side.
  func close() {
    commands.yield(.close)
    commands.finish()
  }

  var hasEnded: Bool { recorder.ending.withLock { $0 != nil } }

  /// Waits for the connection to end, returning the close frame the client saw (`.some(nil)` when it
  /// ended without one); nil on timeout.
  func waitForEnd(timeout: Duration = .seconds(10)) async -> WebSocketCloseFrame?? {
    _ = await pollUntil(timeout: timeout) { hasEnded }
    return recorder.ending.withLock { $0 }
  }

  /// Ends the connection whatever its state; every test calls this so no socket outlives it.
  func shutdown() async {
    close()
    if await waitForEnd(timeout: .seconds(3)) == nil {
      run.cancel()
      await run.value
    }
  }
}

struct TestSocketError: Error, CustomStringConvertible {
  let description: String
}

/// The sockets a test opened, shut down by the fixtures when the test ends, whether it passed or threw.
final class OpenSockets: Sendable {
  @TaskLocal static var current: OpenSockets?

  private let sockets = Mutex<[TestSocket]>([])

  func add(_ socket: TestSocket) {
    sockets.withLock { $0.append(socket) }
  }

  func shutdownAll() async {
    for socket in sockets.withLock({ $0 }) { await socket.shutdown() }
  }
}
