import FaultlineHTTP
import FaultlineLocking
import Logging
import NIOCore

/// One WebSocket connection to `/ws?clientId=…`, from opening to its end, with its own
/// liveness watch.
///
/// A session never reconnects; the client starts a new one. It reports once, through
/// `ended`, why it stopped counting as alive, as early as it knows: a silence deadline
/// reports before the socket has finished closing, so the client can react at once.
final class WebSocketSession: Sendable {
  /// Resolved when the socket has opened (the upgrade succeeded), or failed if it never does.
  let opened = OneShot<Void>()
  /// Resolved with the first reason the session ended.
  let ended = OneShot<DisconnectReason>()

  private let url: String
  private let configuration: ComfyClientConfiguration
  private let eventLoopGroup: any EventLoopGroup
  private let deliver: @Sendable (WebSocketMessage) async -> Void
  /// Since when the client has had a job waiting (nil while it has none).
  private let busySince: @Sendable () -> ContinuousClock.Instant?
  private let stopRequested = OneShot<Void>()
  private let lastFrame = Locked(ContinuousClock.now)

  init(
    configuration: ComfyClientConfiguration,
    eventLoopGroup: any EventLoopGroup,
    busySince: @escaping @Sendable () -> ContinuousClock.Instant? = { nil },
    deliver: @escaping @Sendable (WebSocketMessage) async -> Void
  ) {
    self.url = configuration.webSocketURL
    self.configuration = configuration
    self.eventLoopGroup = eventLoopGroup
    self.busySince = busySince
    self.deliver = deliver
  }

  /// Asks the session to close its socket; `ended` reports `.requested` unless it had already ended.
  func stop() {
    ended.resolve(.success(.requested))
    stopRequested.resolve(.success(()))
  }

  /// Connects and runs until the socket is closed. Returns when the socket is gone.
  func run() async {
    let liveness = configuration.liveness
    let options = WebSocketClientOptions(
      maxFrameSize: configuration.maxMessageSize,
      closeTimeout: liveness.closeTimeout,
      autoPing: liveness.pingInterval.map { .enabled(timePeriod: $0) } ?? .disabled,
      connectTimeout: liveness.connectTimeout
    )
    do {
      let closeFrame = try await WebSocketConnector.connect(
        url: url,
        options: options,
        eventLoopGroup: eventLoopGroup,
        logger: configuration.logger
      ) { inbound, outbound, _ in
        try await self.handle(inbound: inbound, outbound: outbound)
      }
      opened.resolve(
        .failure(ComfyClientError.webSocketConnectFailed(url: url, reason: "closed before opening"))
      )
      if let closeFrame {
        ended.resolve(
          .success(.closedByServer(code: "\(closeFrame.closeCode)", reason: closeFrame.reason)))
      } else {
        ended.resolve(
          .success(.connectionLost("closed without a close frame (reset, EOF or unanswered ping)")))
      }
    } catch {
      opened.resolve(
        .failure(ComfyClientError.webSocketConnectFailed(url: url, reason: "\(error)")))
      ended.resolve(.success(.connectionLost("\(error)")))
    }
  }

  /// The life of an open socket: read, watch for silence, or stop on request, whichever ends first.
  private func handle(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter)
    async throws
  {
    lastFrame.withLock { $0 = .now }
    opened.resolve(.success(()))
    let flags: JSONValue = .object([
      "type": .string("feature_flags"),
      "data": .object(["supports_preview_metadata": .bool(configuration.supportsPreviewMetadata)]),
    ])
    try await outbound.write(.text(flags.jsonText))
    let maxSize = configuration.maxMessageSize
    let silenceTimeout = configuration.liveness.silenceTimeout
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        for try await message in inbound.messages(maxSize: maxSize) {
          self.lastFrame.withLock { $0 = .now }
          await self.deliver(message)
        }
      }
      if let silenceTimeout {
        group.addTask {
          try await self.watchSilence(timeout: silenceTimeout)
          self.ended.resolve(.success(.silence(silenceTimeout)))
        }
      }
      group.addTask { try await self.stopRequested.value }
      // Whichever child finishes first decides; the others are cancelled, which also ends
      // the inbound iteration so the close handshake does not wait on a silent peer.
      defer { group.cancelAll() }
      try await group.next()
    }
  }

  /// Returns once no frame has arrived for `timeout` while silence counts: always with
  /// `silenceCountsWhenIdle`, otherwise only while a job waits (from when it started waiting), as
  /// a real ComfyUI is silent towards an idle client.
  ///
  /// Time this watcher overslept does not count: the process was starved (a loaded machine), and
  /// frames that arrived meanwhile may still wait unread in the socket; the reader woken with it
  /// must get its turn before the server is called silent.
  private func watchSilence(timeout: Duration) async throws {
    let clock = ContinuousClock()
    // Whether the client is busy changes without a frame: look again at least this often.
    let recheck = min(timeout, .milliseconds(250))
    var countingFrom: ContinuousClock.Instant?
    var starved = Duration.zero
    while true {
      let last = lastFrame.withLock { $0 }
      let start: ContinuousClock.Instant
      if configuration.liveness.silenceCountsWhenIdle {
        start = last
      } else if let since = busySince() {
        start = max(last, since)
      } else {
        try await clock.sleep(for: recheck)
        continue
      }
      if start != countingFrom {
        countingFrom = start
        starved = .zero
      }
      let deadline = start + timeout + starved
      if clock.now >= deadline { return }
      let wake = min(deadline, clock.now + recheck)
      try await clock.sleep(until: wake)
      // Ordinary scheduling delays count as silence; only a wake later than a whole recheck
      // period is taken for starvation.
      let late = clock.now - wake
      if late > recheck { starved += late }
    }
  }
}
