import FaultlineLocking
import NIOCore
@_exported import NIOHTTP1
import NIOPosix

/// A complete HTTP response: status, headers in the order received, and the whole body.
public struct HTTPResponse: Sendable {
  public var status: Int
  public var headers: [(name: String, value: String)]
  public var body: [UInt8]

  /// The first header named `name`, compared case-insensitively.
  public func header(_ name: String) -> String? {
    headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
  }
}

/// Sends HTTP/1.1 requests, one connection per request, each with a hard deadline.
///
/// Faultline's clients talk to servers that crash, freeze and sit behind faults on purpose, so
/// a request must never outlive its deadline and must never be retried behind the caller's back:
/// a connection pool would keep a dead connection or retry a refused one and hide exactly what
/// a test wants to see. A fresh connection per request costs a loopback handshake, nothing more.
public struct HTTPRequester: Sendable {
  public var eventLoopGroup: any EventLoopGroup
  /// The longest a TCP connect may take; a request's own deadline shortens it further.
  public var connectTimeout: Duration
  /// Bodies above this many bytes fail with `HTTPClientError.bodyTooLarge`.
  public var maxBodySize: Int

  public init(
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    connectTimeout: Duration = .seconds(10),
    maxBodySize: Int = 64 << 20
  ) {
    self.eventLoopGroup = eventLoopGroup
    self.connectTimeout = connectTimeout
    self.maxBodySize = maxBodySize
  }

  /// Sends one request and returns the whole response, or throws once `timeout` has passed.
  public func send(
    _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
    timeout: Duration
  ) async throws(HTTPClientError) -> HTTPResponse {
    let endpoint = try Endpoint(url: url)
    let deadline = NIODeadline.now() + TimeAmount(timeout)
    let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
    do {
      channel = try await ClientBootstrap(group: eventLoopGroup)
        .connectTimeout(min(TimeAmount(connectTimeout), TimeAmount(timeout)))
        .connect(host: endpoint.host, port: endpoint.port) { channel in
          channel.eventLoop.makeCompletedFuture {
            if endpoint.usesTLS {
              try TLSSupport.addClientHandler(to: channel, host: endpoint.host, url: url)
            }
            try channel.pipeline.syncOperations.addHTTPClientHandlers()
            return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
              wrappingChannelSynchronously: channel)
          }
        }
    } catch let error as HTTPClientError {
      throw error
    } catch {
      throw .connectFailed(url, reason: "\(error)")
    }
    // The deadline closes the socket from the event loop, which ends the read loop below
    // whatever the server does; cancelling the calling task does the same.
    let timedOut = Locked(false)
    let timer = channel.channel.eventLoop.scheduleTask(deadline: deadline) {
      timedOut.withLock { $0 = true }
      channel.channel.close(promise: nil)
    }
    defer { timer.cancel() }
    var head = HTTPRequestHead(version: .http1_1, method: method, uri: endpoint.target)
    head.headers.add(name: "Host", value: endpoint.hostHeader)
    head.headers.add(name: "Connection", value: "close")
    for (name, value) in headers { head.headers.add(name: name, value: value) }
    if let body { head.headers.replaceOrAdd(name: "Content-Length", value: "\(body.count)") }
    let request = head
    let limit = maxBodySize
    let outcome: Result<HTTPResponse, HTTPClientError>
    do {
      outcome = try await withTaskCancellationHandler {
        try await channel.executeThenClose { inbound, outbound in
          // A server may answer and close before it has read the whole request (an early 413,
          // or one that answers the head alone), and the close can reach the channel before our
          // last write: what it sent still counts, so a failed write matters only when no
          // complete response came back.
          var writeFailure: (any Error)?
          do {
            try await outbound.write(.head(request))
            if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            try await outbound.write(.end(nil))
          } catch {
            writeFailure = error
          }
          let response = try await Self.readResponse(inbound, url: url, limit: limit)
          if case .failure(.incompleteResponse) = response, let writeFailure { throw writeFailure }
          return response
        }
      } onCancel: {
        channel.channel.close(promise: nil)
      }
    } catch {
      if timedOut.withLock({ $0 }) { throw .timedOut(url, after: timeout) }
      throw .connectFailed(url, reason: "\(error)")
    }
    if case .failure = outcome, timedOut.withLock({ $0 }) { throw .timedOut(url, after: timeout) }
    return try outcome.get()
  }

  private static func readResponse(
    _ inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>, url: String, limit: Int
  ) async throws -> Result<HTTPResponse, HTTPClientError> {
    var response: HTTPResponse?
    for try await part in inbound {
      switch part {
      case .head(let head):
        // A 1xx answer is followed by the real one.
        guard head.status.code >= 200 else { continue }
        response = HTTPResponse(
          status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) },
          body: [])
      case .body(var buffer):
        guard response != nil else { continue }
        if response!.body.count + buffer.readableBytes > limit {
          return .failure(.bodyTooLarge(url, limit: limit))
        }
        response!.body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
      case .end:
        if let response { return .success(response) }
      }
    }
    return .failure(.incompleteResponse(url))
  }
}

extension TimeAmount {
  init(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
  }
}
