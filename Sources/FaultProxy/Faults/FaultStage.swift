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
protocol FaultStage: AnyObject, ChunkSink {
  /// The fault this stage runs, with the key that tells it apart from faults of other phases.
  var fault: ActiveFault { get }
  /// Where the stage's output goes.
  var output: (any ChunkSink)? { get set }
  /// The stage is being removed: pass everything held to `output` now, in order.
  func flush()
  /// The stage is out of the chain for good: cancel its timers.
  func detach()
}
