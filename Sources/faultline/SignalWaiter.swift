import Dispatch
import Foundation

/// Turns termination signals (and other stop requests) into one awaitable event, so a command can shut
/// down cleanly.
final class SignalWaiter: Sendable {
  private let stream: AsyncStream<String>
  private let continuation: AsyncStream<String>.Continuation
  // Kept alive for the whole run: a released dispatch source stops delivering.
  private let sources: SignalSources

  init(signals: [Int32]) {
    let (stream, continuation) = AsyncStream<String>.makeStream()
    self.stream = stream
    self.continuation = continuation
    sources = SignalSources(signals: signals) { number in continuation.yield("signal \(number)") }
  }

  /// Asks the waiter to stop for another reason (the parent went away, for one).
  func trigger(_ reason: String) {
    continuation.yield(reason)
  }

  /// Waits for the first stop request and returns its reason.
  func wait() async -> String {
    for await reason in stream { return reason }
    return "stop requested"
  }
}

/// Dispatch sources for signals, installed once and never released while the process runs.
private final class SignalSources: @unchecked Sendable {
  // @unchecked: the sources are created in init and never mutated; DispatchSource is thread-safe.
  private let sources: [any DispatchSourceSignal]

  init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
    sources = signals.map { number in
      // The default action would end the process before the handler runs.
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { handler(number) }
      source.resume()
      return source
    }
  }
}
