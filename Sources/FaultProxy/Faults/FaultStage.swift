/// Something that takes chunks and the end of a stream: the next fault stage, or the pipe's sink.
protocol ChunkSink: AnyObject {
  func receive(_ chunk: Chunk)
  func receiveEnd(_ end: StreamEnd)
}

/// One running fault in one direction of one connection.
///
/// A stage sees each chunk with its arrival time and stream offset and decides: pass it on now, later,
/// in pieces, or not at all; it may also end the stream with a FIN or a reset. Stages are chained in the
/// order the profile lists the faults. Loop-confined.
///
/// The contract:
/// - A stage reaches the world only through its `StageContext` and `output`: time and timers through
///   `context.clock` (never `MonotonicClock` or the loop's scheduler), the connection through
///   `context.host` (pause or resume reads, abort with a RST, close, forget the upstream, finish after
///   a limit), the event log through `context.log`/`record`/`countActions`, random decisions through
///   `context.key`. This is what lets a stage run on a manual clock in tests.
/// - Every byte received is passed to `output` or reported with `context.discarded` (which frees the
///   pipe's backpressure budget); a stage never drops bytes silently, and drops them at all only when
///   its fault says so.
/// - Bytes leave in stream order unless the fault's purpose is to change the stream (e.g. loss in
///   `discard` mode removes bytes). At most one end is passed on, after every byte passed before it;
///   nothing follows it.
/// - `receive` may arrive with `arrival` earlier than `context.clock.now` (reads are batched), so
///   release times count from `arrival`.
/// - A timer's action captures the stage weakly: the connection may be gone when it runs.
/// - `stream: both` builds one stage per direction, each with its own state and random stream. A fault
///   that acts on the whole connection (reset after a time, timeout) must act once: the upstream
///   stage owns the shared action and the downstream one only handles its own bytes (see `ResetStage`).
protocol FaultStage: AnyObject, ChunkSink {
  /// The fault this stage runs, with the key that tells it apart from faults of other phases.
  var fault: ActiveFault { get }
  /// Where the stage's output goes.
  var output: (any ChunkSink)? { get set }
  /// The fault is being removed from a live connection: pass everything held to `output` now, in
  /// order (and an end held back), and undo what the stage did to the connection (resume paused reads).
  /// `detach()` follows.
  func flush()
  /// The stage is out of the chain for good (after `flush()`, or the connection is gone and nothing
  /// is flushed): cancel every timer so none fires later.
  func detach()
}
