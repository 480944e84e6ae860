/// Applying faults to a live connection.
extension ConnectionPair {
  /// Whether `fault` applies to this connection: drawn once from the seed, so changing other faults
  /// never re-rolls it.
  func applies(_ fault: ActiveFault) -> Bool {
    guard fault.spec.toxicity < 1 else { return true }
    guard fault.spec.toxicity > 0 else { return false }
    return proxy.seeds.connectionKey(connection: index, fault: fault.key).occurs(
      withProbability: fault.spec.toxicity)
  }

  /// Looks the proxy's plan up again for bytes that arrived at `time` if it changed or a phase edge
  /// has passed since the stages were built.
  ///
  /// Loops hear of a change through a command and of an edge through a timer on the proxy's home
  /// loop; either may run late on a busy machine. Checking each read too (one atomic load and one
  /// comparison) means bytes never go through faults older than the moment they arrived.
  func refreshFaultsIfDue(at time: UInt64) {
    guard time >= faultsValidUntil || proxy.currentPlanVersion != faultsVersion else { return }
    applyFaults(proxy.faults(at: time))
  }

  /// Makes the stage chains of both directions match the snapshot's faults, in one loop turn: stages
  /// of unchanged faults keep their state, new ones start, removed ones hand over what they hold.
  func applyFaults(_ snapshot: FaultSnapshot) {
    guard !isClosing else { return }
    faultsValidUntil = snapshot.validUntil
    faultsVersion = snapshot.version
    let faults = snapshot.faults
    for direction in Direction.allCases {
      let pipe = self.pipe(for: direction)
      var chain: [any FaultStage] = []
      for fault in faults where fault.spec.stream.directions.contains(direction) && applies(fault) {
        if let existing = pipe.stage(forKey: fault.key), existing.fault == fault {
          chain.append(existing)
          continue
        }
        let context = StageContext(
          pair: self, pipe: pipe, fault: fault,
          key: proxy.seeds.key(connection: index, direction: direction, fault: fault.key))
        if let stage = fault.spec.kind.makeStage(context: context) {
          chain.append(stage)
        }
      }
      pipe.replaceStages(chain)
    }
    pathFigures = PathFigures(upstream: upstreamPipe.stages, downstream: downstreamPipe.stages)
    if isAwaitingRelease, connectionDecision(faults, logging: false) != .never {
      // The "never" fault is gone (its phase ended): the held connection goes ahead now.
      releaseHeldConnect()
    }
  }

  /// What the connection-level faults' accept hooks say when the client arrives: reset it, hold it,
  /// or connect upstream after the sum of their delays.
  func connectionDecision(_ faults: [ActiveFault], logging: Bool = true) -> ConnectDecision {
    var delay: UInt64 = 0
    for fault in faults where applies(fault) {
      switch fault.spec.kind.acceptAction {
      case .proceed:
        continue
      case .refuse:
        if logging { log(fault, "refuse") }
        return .refuse
      case .hold:
        if logging { log(fault, "connect_never") }
        return .never
      case .delay(let wait):
        delay += wait.nanoseconds
        if logging { log(fault, "connect_delay", value: Double(wait.nanoseconds) / 1_000_000) }
      }
    }
    return .connect(after: delay)
  }

  /// Records a connection-level decision.
  func log(_ fault: ActiveFault, _ action: String, value: Double? = nil) {
    proxy.counters.faultActions.add(1, ordering: .relaxed)
    let engine = proxy.engine
    guard engine.eventLog.isEnabled else { return }
    engine.eventLog.record(
      FaultEvent(
        time: engine.elapsedMilliseconds(), proxy: proxy.name, connection: index, direction: nil,
        fault: fault.spec.name, action: action, value: value))
  }
}

/// What happens to a new connection before any byte moves.
enum ConnectDecision: Equatable {
  case connect(after: UInt64)
  case never
  case refuse
}
