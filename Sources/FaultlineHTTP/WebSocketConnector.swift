import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
@_exported import WSCore
@_spi(WSInternal) import WSCore

/// How a client WebSocket behaves: frame limits, pings and the close handshake.
public struct WebSocketClientOptions: Sendable {
  public var maxFrameSize: Int
  /// How long the close handshake may take before the socket is closed anyway.
  public var closeTimeout: Duration
  /// Pings at this interval, and closes the socket when a pong does not come back in time.
  public var autoPing: AutoPingSetup
  public var connectTimeout: Duration
  public var additionalHeaders: [(String, String)]

  public init(
    maxFrameSize: Int = 1 << 14, closeTimeout: Duration = .seconds(15),
    autoPing: AutoPingSetup = .disabled, connectTimeout: Duration = .seconds(10),
    additionalHeaders: [(String, String)] = []
  ) {
    self.maxFrameSize = maxFrameSize
    self.closeTimeout = closeTimeout
    self.autoPing = autoPing
    self.connectTimeout = connectTimeout
    self.additionalHeaders = additionalHeaders
  }
}

/// The context a client WebSocket handler is given.
public struct WebSocketClientContext: WebSocketContext {
  public let logger: Logger
}

/// Opens client WebSockets (`ws://`, and `wss://` with the `TLS` trait) on SwiftNIO.
///
/// The frame handling (pings, the close handshake, message assembly) is swift-websocket's own,
/// the same code Hummingbird's client runs; only the connection and the upgrade request are
/// here, so that a build without TLS does not compile swift-nio-ssl and BoringSSL.
public enum WebSocketConnector {
  private enum UpgradeResult: Sendable {
    case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
    case notUpgraded
  }

  /// Connects, runs `handler` with the open socket, and returns the server's close frame
  /// (nil when the connection ended without one).
  public static func connect(
    url: String,
    options: WebSocketClientOptions = .init(),
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    logger: Logger,
    handler: @escaping WebSocketDataHandler<WebSocketClientContext>
  ) async throws -> WebSocketCloseFrame? {
    let endpoint = try Endpoint(url: url)
    let upgrade: EventLoopFuture<UpgradeResult>
    do {
      upgrade = try await ClientBootstrap(group: eventLoopGroup)
        .connectTimeout(TimeAmount(options.connectTimeout))
        .connect(host: endpoint.host, port: endpoint.port) { channel in
          channel.eventLoop.makeCompletedFuture {
            try configureUpgrade(channel, endpoint: endpoint, url: url, options: options)
          }
        }
    } catch let error as HTTPClientError {
      throw error
    } catch {
      throw HTTPClientError.connectFailed(url, reason: "\(error)")
    }
    switch try await upgrade.get() {
    case .notUpgraded:
      throw HTTPClientError.upgradeDeclined(url)
    case .websocket(let channel):
      return try await WebSocketHandler.handle(
        type: .client,
        configuration: .init(
          extensions: [], autoPing: options.autoPing, closeTimeout: options.closeTimeout,
          validateUTF8: false, ignoreUncleanSSLShutdownErrors: true,
          maxFrameSize: options.maxFrameSize),
        asyncChannel: channel,
        context: WebSocketClientContext(logger: logger),
        handler: handler
      )
    }
  }

  private static func configureUpgrade(
    _ channel: any Channel, endpoint: Endpoint, url: String, options: WebSocketClientOptions
  ) throws -> EventLoopFuture<UpgradeResult> {
    let upgrader = NIOTypedWebSocketClientUpgrader<UpgradeResult>(
      maxFrameSize: options.maxFrameSize,
      upgradePipelineHandler: { channel, _ in
        channel.eventLoop.makeCompletedFuture {
          .websocket(
            try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
              wrappingChannelSynchronously: channel))
        }
      }
    )
    var headers = HTTPHeaders()
    headers.add(name: "Host", value: endpoint.hostHeader)
    // No Origin: a program is not a browser, and servers (ComfyUI's among them) check an Origin
    // against the Host when one is sent.
    for (name, value) in options.additionalHeaders { headers.add(name: name, value: value) }
    let requestHead = HTTPRequestHead(
      version: .http1_1, method: .GET, uri: endpoint.target, headers: headers)
    var configuration = NIOUpgradableHTTPClientPipelineConfiguration(
      upgradeConfiguration: NIOTypedHTTPClientUpgradeConfiguration(
        upgradeRequestHead: requestHead,
        upgraders: [upgrader],
        notUpgradingCompletionHandler: { channel in
          channel.eventLoop.makeCompletedFuture { .notUpgraded }
        }
      ))
    configuration.leftOverBytesStrategy = .forwardBytes
    if endpoint.usesTLS {
      try TLSSupport.addClientHandler(to: channel, host: endpoint.host, url: url)
    }
    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
      configuration: configuration)
  }
}
