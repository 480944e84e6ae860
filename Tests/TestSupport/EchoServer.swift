import Foundation

/// A server that echoes every byte back and half-closes when the client does.
public func makeEchoServer(host: String = "127.0.0.1") throws -> TestServer {
  try TestServer(host: host) { socket in
    while let part = try? socket.receive(), !part.isEmpty {
      guard (try? socket.send(part)) != nil else { return }
    }
    socket.shutdownWrite()
  }
}

/// Sends `message` and reads it back, blocking the calling thread; returns the round-trip time.
public func echoRoundTrip(_ socket: BlockingSocket, _ message: [UInt8] = [0x2A]) throws -> Duration
{
  let started = ContinuousClock.now
  try socket.send(message)
  let echoed = try socket.receive(exactly: message.count)
  guard echoed == message else { throw SocketError.failed("echo mismatch", 0) }
  return ContinuousClock.now - started
}

/// Sends `message` and waits for it to come back, off the cooperative pool; returns the round-trip
/// time.
public func roundTrip(_ socket: BlockingSocket, _ message: [UInt8]) async throws -> Duration {
  try await blocking { try echoRoundTrip(socket, message) }
}

extension Duration {
  public var milliseconds: Double {
    Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
  }
}
