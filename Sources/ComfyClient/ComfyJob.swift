import FaultlineLocking

/// A step of a running prompt, as its `ComfyJob` reports it.
public enum JobProgress: Sendable, Equatable {
  case started
  case cached(nodes: [String])
  case executing(node: String)
  case step(node: String?, value: Int, max: Int)
  case output(node: String, images: [ImageRef])
  /// The client reconnected and found the prompt still queued or running on the server.
  case resumedAfterReconnect

  /// Whether this step shows `node` running: its `executing` message, or one of its progress steps
  /// (what a client that reconnected after the `executing` message sees first).
  public func shows(running node: String) -> Bool {
    switch self {
    case .executing(let running): running == node
    case .step(let running, _, _): running == node
    default: false
    }
  }
}

/// The outputs of a finished prompt.
public struct JobResult: Sendable, Equatable {
  /// Where the outputs came from.
  public enum Source: Sendable, Equatable {
    /// `executed` messages seen live.
    case events
    /// `GET /history/{id}`, because messages may have been missed during a disconnect.
    case history
  }

  public var promptId: String
  /// Images per output node id.
  public var outputs: [String: [ImageRef]]
  public var source: Source
}

/// A prompt queued by `ComfyClient.queue(_:)`: its progress while it runs and its result.
///
/// The handle survives reconnects: after one, the client asks the server what happened to
/// the prompt and completes, fails, or keeps waiting on it.
public final class ComfyJob: Sendable {
  /// What an incoming message means for the job.
  enum Step: Sendable, Equatable {
    case running
    case succeeded
    case failed(ComfyClientError)
  }

  public let promptId: String
  /// Progress in order; finishes when the job does. Meant for one consumer.
  public let progress: AsyncStream<JobProgress>

  private let progressContinuation: AsyncStream<JobProgress>.Continuation
  private let outcome = OneShot<JobResult>()
  private let state: Locked<State>

  private struct State {
    var outputs: [String: [ImageRef]] = [:]
    /// Set while the client was disconnected during the job: live outputs may be incomplete.
    var missedMessages: Bool
  }

  init(promptId: String, startsDisconnected: Bool) {
    self.promptId = promptId
    (progress, progressContinuation) = AsyncStream.makeStream(
      of: JobProgress.self, bufferingPolicy: .unbounded)
    state = Locked(State(missedMessages: startsDisconnected))
  }

  /// Waits for the prompt's outputs; throws `ComfyClientError` when it failed, was
  /// interrupted, or was lost by a restarted server. While the client is `failed` (its
  /// reconnection loop gave up) the job keeps waiting: a later `reconnect()` reconciles it,
  /// `destroy()` fails it with `.destroyed`.
  public func result() async throws -> JobResult {
    try await outcome.value
  }

  public var isFinished: Bool { outcome.isResolved }

  var missedMessages: Bool { state.withLock { $0.missedMessages } }

  func markMissedMessages() {
    state.withLock { $0.missedMessages = true }
  }

  func report(_ step: JobProgress) {
    progressContinuation.yield(step)
  }

  /// Applies one message about this prompt.
  func apply(_ message: ServerMessage) -> Step {
    switch message {
    case .executionStart:
      report(.started)
    case .executionCached(let cached):
      report(.cached(nodes: cached.nodes))
    case .executing(let executing):
      guard let node = executing.node else { return .succeeded }
      report(.executing(node: node))
    case .progress(let progress):
      report(.step(node: progress.node, value: progress.value, max: progress.max))
    case .executed(let executed):
      let images = executed.images
      state.withLock { $0.outputs[executed.node, default: []].append(contentsOf: images) }
      report(.output(node: executed.node, images: images))
    case .executionSuccess:
      // Not done yet: the history entry is written after this; `executing` with no node follows.
      break
    case .executionError(let error):
      return .failed(
        .executionFailed(
          promptId: promptId, nodeId: error.nodeId, nodeType: error.nodeType,
          message: error.exceptionMessage))
    case .executionInterrupted(let interrupted):
      return .failed(.executionInterrupted(promptId: promptId, nodeId: interrupted.nodeId))
    default:
      break
    }
    return .running
  }

  /// Completes with the outputs seen live.
  func succeedFromEvents() {
    let outputs = state.withLock { $0.outputs }
    finish(.success(JobResult(promptId: promptId, outputs: outputs, source: .events)))
  }

  func succeed(historyOutputs: [String: [ImageRef]]) {
    finish(.success(JobResult(promptId: promptId, outputs: historyOutputs, source: .history)))
  }

  func fail(_ error: ComfyClientError) {
    finish(.failure(error))
  }

  private func finish(_ result: Result<JobResult, any Error>) {
    if outcome.resolve(result) { progressContinuation.finish() }
  }
}
