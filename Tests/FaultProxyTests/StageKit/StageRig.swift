@testable import FaultProxy

/// One fault stage on a manual clock, a recording host and a recording sink: no sockets, no loop.
///
/// `send` hands the stage the next bytes of the stream as a read at a given time would, `end` ends
/// the stream, `advance` runs the clock; the sink and host then tell what the stage released, when,
/// what it discarded and what it did to the connection. Rigs built with the same clock and host
/// stand for the two directions of one connection.
final class StageRig<Stage: FaultStage> {
  static var millisecond: UInt64 { 1_000_000 }

  let clock: ManualClock
  let host: RecordingHost
  let sink: RecordingSink
  let context: StageContext
  let stage: Stage
  /// The stream offset of the next byte `send` hands over.
  private(set) var offset: UInt64 = 0
  private var nextByte: UInt8 = 0

  /// Builds the stage for `spec` in `direction` with `make`; `seed` keys its random decisions.
  init(
    _ spec: FaultSpec, direction: Direction = .upstream, seed: UInt64 = 1,
    clock: ManualClock = ManualClock(), host: RecordingHost? = nil,
    make: (StageContext) -> Stage
  ) {
    self.clock = clock
    let host = host ?? RecordingHost(clock: clock)
    self.host = host
    sink = RecordingSink(clock: clock)
    context = StageContext(
      fault: ActiveFault(key: "base/\(spec.name)", spec: spec),
      key: SeedSequence(seed: seed).key(connection: 0, direction: direction, fault: 0),
      direction: direction, clock: clock, host: host)
    stage = make(context)
    stage.output = sink
  }

  /// When the rig was built, in monotonic nanoseconds: times in tests count from here.
  var start: UInt64 { context.appliedAt }

  /// The time `milliseconds` after the rig was built.
  func at(_ milliseconds: Double) -> UInt64 {
    start &+ UInt64(milliseconds * Double(Self.millisecond))
  }

  /// Runs the clock to `time`, then hands the stage the stream's next `count` bytes (a counting
  /// pattern, so order and loss show in the sink) as one read that arrived at `arrival` (by default
  /// `time`; earlier when the loop reaches the stage late).
  @discardableResult
  func send(_ count: Int, at time: UInt64, arrival: UInt64? = nil) -> [UInt8] {
    var bytes: [UInt8] = []
    for _ in 0..<count {
      bytes.append(nextByte)
      nextByte &+= 1
    }
    clock.advance(to: time)
    stage.receive(Chunk(bytes: bytes, streamOffset: offset, arrival: arrival ?? time))
    offset &+= UInt64(count)
    return bytes
  }

  /// Runs the clock to `time`, then ends the stream there.
  func end(_ end: StreamEnd = .fin, at time: UInt64) {
    clock.advance(to: time)
    stage.receiveEnd(end)
  }

  func advance(to time: UInt64) {
    clock.advance(to: time)
  }

  /// Release times counted in milliseconds from `start`.
  var releaseMilliseconds: [Double] {
    sink.releaseTimes.map { Double($0 &- start) / Double(Self.millisecond) }
  }
}
