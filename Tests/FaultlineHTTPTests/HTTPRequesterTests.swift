import FaultlineHTTP
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A loopback listener that answers each accepted connection with `reply` (or holds it silent
/// when `reply` is nil), for as many connections as arrive until it is closed.
private final class CannedServer: @unchecked Sendable {
  let port: Int
  private let fd: Int32
  private let thread: Thread

  init(reply: [UInt8]?) throws {
    // Close-on-exec, here and on accepted sockets: a process another test spawns meanwhile must not
    // inherit them, or closing them here would not end the connection.
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
        bind(fd, sockaddrPointer, length) == 0 && listen(fd, 16) == 0
          && getsockname(fd, sockaddrPointer, &length) == 0
      }
    }
    guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
    self.fd = fd
    self.port = Int(UInt16(bigEndian: address.sin_port))
    thread = Thread {
      var held: [Int32] = []
      while true {
        let client = accept(fd, nil, nil)
        if client >= 0 { _ = fcntl(client, F_SETFD, FD_CLOEXEC) }
        if client < 0 { break }
        guard let reply else {
          held.append(client)
          continue
        }
        // Read the request head before answering, as a server would.
        var buffer = [UInt8](repeating: 0, count: 4096)
        _ = read(client, &buffer, buffer.count)
        _ = reply.withUnsafeBytes { write(client, $0.baseAddress, reply.count) }
        close(client)
      }
      for client in held { close(client) }
      // Closed here, not in `stop`: closed there, its number could be reused by another test's socket
      // before this thread's next `accept`, which would then take that test's connections.
      close(fd)
    }
    thread.start()
  }

  /// Stops accepting; `accept` fails (now, or as soon as the thread starts) and the thread closes the
  /// listener and what it held.
  func stop() {
    shutdown(fd, Int32(SHUT_RDWR))
  }
}

@Suite("HTTPRequester on real sockets")
struct HTTPRequesterTests {
  /// The deadline of requests whose deadline is not what they test: the suite shares its process's
  /// threads with in-process servers doing real work, and a loaded machine can hold a loopback
  /// answer for seconds.
  static let patience = Duration.seconds(60)

  @Test func aCompleteResponseComesBackWithItsStatusHeadersAndBody() async throws {
    let body = #"{"ok":true}"#
    let server = try CannedServer(
      reply: Array(
        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
          .utf8))
    defer { server.stop() }
    let response = try await HTTPRequester().send(
      .POST, "http://127.0.0.1:\(server.port)/prompt", body: Array("{}".utf8),
      timeout: Self.patience
    )
    #expect(response.status == 201)
    #expect(response.header("content-type") == "application/json")
    #expect(String(decoding: response.body, as: UTF8.self) == body)
  }

  @Test func aBodyReadUntilTheServerClosesIsComplete() async throws {
    let server = try CannedServer(reply: Array("HTTP/1.1 200 OK\r\n\r\nuntil close".utf8))
    defer { server.stop() }
    let response = try await HTTPRequester().send(
      .GET, "http://127.0.0.1:\(server.port)/", timeout: Self.patience)
    #expect(String(decoding: response.body, as: UTF8.self) == "until close")
  }

  @Test func aServerThatNeverAnswersFailsAtTheDeadlineNotLater() async throws {
    let server = try CannedServer(reply: nil)
    defer { server.stop() }
    let started = ContinuousClock.now
    await #expect {
      _ = try await HTTPRequester().send(
        .GET, "http://127.0.0.1:\(server.port)/prompt", timeout: .milliseconds(300))
    } throws: { error in
      guard case HTTPClientError.timedOut = error else { return false }
      return true
    }
    let elapsed = ContinuousClock.now - started
    #expect(elapsed >= .milliseconds(300))
    #expect(elapsed < .seconds(15), "the deadline ends the request: \(elapsed)")
  }

  @Test func aRefusedConnectionFailsAtOnceWithTheURLNamed() async throws {
    let server = try CannedServer(reply: nil)
    let port = server.port
    server.stop()
    await #expect {
      _ = try await HTTPRequester().send(.GET, "http://127.0.0.1:\(port)/", timeout: Self.patience)
    } throws: { error in
      guard case HTTPClientError.connectFailed(let url, _) = error else { return false }
      return url.contains(":\(port)/")
    }
  }

  @Test func aBodyOverTheLimitIsRefused() async throws {
    let server = try CannedServer(
      reply: Array(
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n\(String(repeating: "x", count: 100))".utf8))
    defer { server.stop() }
    await #expect {
      _ = try await HTTPRequester(maxBodySize: 10).send(
        .GET, "http://127.0.0.1:\(server.port)/", timeout: Self.patience)
    } throws: { error in
      guard case HTTPClientError.bodyTooLarge(_, 10) = error else { return false }
      return true
    }
  }

  @Test func httpsWithoutTheTLSTraitSaysHowToGetIt() async throws {
    #if !TLS
      await #expect {
        _ = try await HTTPRequester().send(.GET, "https://127.0.0.1:1/", timeout: .seconds(1))
      } throws: { error in
        "\(error)".contains("--traits TLS")
      }
    #endif
  }
}

@Suite("Endpoint")
struct EndpointTests {
  @Test func defaultPortsTargetAndHostHeader() throws {
    let plain = try Endpoint(url: "ws://127.0.0.1:8188/ws?clientId=a%20b")
    #expect(
      plain == Endpoint(host: "127.0.0.1", port: 8188, target: "/ws?clientId=a%20b", usesTLS: false)
    )
    #expect(plain.hostHeader == "127.0.0.1:8188")
    let secure = try Endpoint(url: "https://example.test")
    #expect(secure == Endpoint(host: "example.test", port: 443, target: "/", usesTLS: true))
    #expect(secure.hostHeader == "example.test")
    let v6 = try Endpoint(url: "http://[::1]:9000/x")
    #expect(v6.host == "::1" && v6.hostHeader == "[::1]:9000")
  }

  @Test func badURLsAreNamed() {
    #expect(throws: HTTPClientError.self) { try Endpoint(url: "ftp://host/") }
    #expect(throws: HTTPClientError.self) { try Endpoint(url: "http:///nohost") }
  }
}
