/// A proxy's faults over time: its own faults, a timeline of phases measured from when a profile was
/// applied, and whether the proxy accepts connections at all.
struct FaultPlan: Sendable, Hashable {
  /// Faults in effect all the time (the control API's toxics, a profile's `faults`).
  var faults: [FaultSpec]
  var timeline: [Profile.Phase] = []
  /// Monotonic nanoseconds when the timeline started.
  var timelineStart: UInt64 = 0
  var profileName: String?
  /// A disabled proxy closes its listener and every connection.
  var enabled = true
  /// Bumped whenever a new timeline starts, so timers of an older one do nothing.
  var generation: UInt64 = 0

  init(faults: [FaultSpec]) {
    self.faults = faults
  }

  /// The faults in effect at `time`: base faults first, then those of every active phase in order.
  func activeFaults(at time: UInt64) -> [ActiveFault] {
    var active = faults.map { ActiveFault(key: "base/\($0.name)", spec: $0) }
    let elapsed = time &- timelineStart
    for (index, phase) in timeline.enumerated() where isActive(phase, elapsed: elapsed) {
      active += phase.faults.map { ActiveFault(key: "phase\(index)/\($0.name)", spec: $0) }
    }
    return active
  }

  /// What the proxy's port does with new connections at `time`, from the port hooks of the active
  /// faults. A disabled proxy, or any fault that closes the port, closes it; otherwise a blackhole
  /// drops the SYNs.
  func portState(at time: UInt64) -> PortState {
    guard enabled else { return .closed }
    var state = PortState.listening
    for fault in activeFaults(at: time) where fault.spec.toxicity > 0 {
      switch fault.spec.kind.portState {
      case .closed: return .closed
      case .blackhole: state = .blackhole
      case .listening: continue
      }
    }
    return state
  }

  /// Every moment after `time` (absolute monotonic nanoseconds) when a phase starts or ends, sorted.
  func boundaries(after time: UInt64) -> [UInt64] {
    var result: [UInt64] = []
    for phase in timeline {
      let start = timelineStart &+ phase.at.nanoseconds
      if start > time { result.append(start) }
      if let duration = phase.duration {
        let end = start &+ duration.nanoseconds
        if end > time { result.append(end) }
      }
    }
    return result.sorted()
  }

  private func isActive(_ phase: Profile.Phase, elapsed: UInt64) -> Bool {
    let start = phase.at.nanoseconds
    guard elapsed >= start else { return false }
    guard let duration = phase.duration else { return true }
    return elapsed < start &+ duration.nanoseconds
  }
}

/// What a proxy's port does with new connections.
enum PortState: Equatable {
  /// Accepting them.
  case listening
  /// Refusing them (ECONNREFUSED), the port still held.
  case closed
  /// Leaving their SYNs unanswered.
  case blackhole
}
