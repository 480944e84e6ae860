import FaultlineLocking
import Hummingbird
import HummingbirdWebSocket

/// The mock's request context: Hummingbird's `BasicWebSocketRequestContext`, except that the WebSocket
/// handler can let go of its upgrade record.
///
/// HummingbirdWebSocket 2.8.1 records an upgrade by storing the request's context inside that same
/// context's `webSocket` box: a reference cycle that leaked every upgraded request's context (about
/// 770 bytes) and, through the handler closure, the server's session registry. Here the box hangs off a
/// holder that `releaseWebSocketRecord()` empties once the socket is being served, which breaks the cycle.
struct MockRequestContext: RequestContext, WebSocketRequestContext {
  /// Owns the upgrade record until the WebSocket handler releases it.
  final class RecordHolder: Sendable {
    let record = Locked<WebSocketHandlerReference<MockRequestContext>?>(.init())
  }

  var coreContext: CoreRequestContextStorage
  private let holder = RecordHolder()

  init(source: Source) {
    coreContext = .init(source: source)
  }

  /// The upgrade record; an empty one once released (nothing reads it after the upgrade).
  var webSocket: WebSocketHandlerReference<Self> {
    holder.record.withLock { $0 } ?? .init()
  }

  /// Drops this context's hold on its upgrade record, which holds a copy of this context.
  func releaseWebSocketRecord() {
    holder.record.withLock { $0 = nil }
  }
}
