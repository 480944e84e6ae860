/// Shared plumbing of fault stages: the spec, the output and the context. Passes everything through
/// unchanged; each fault overrides what it changes.
class BaseStage: FaultStage {
  let context: StageContext
  var output: (any ChunkSink)?

  init(context: StageContext) {
    self.context = context
  }

  var fault: ActiveFault { context.fault }
  var spec: FaultSpec { context.fault.spec }

  func receive(_ chunk: Chunk) { output?.receive(chunk) }
  func receiveEnd(_ end: StreamEnd) { output?.receiveEnd(end) }
  func flush() {}
  func detach() {}
}
