/// Changing faults at run time.
///
/// Every change is applied on every loop before the call returns, each connection taking the whole
/// change in one loop turn: no connection sees half of it, and none escapes a fault with toxicity 1.
extension ProxyEngine {
  /// The seed of decisions for connections opened from now on.
  public var seed: UInt64 { context.seed }

  /// Sets the seed for connections opened from now on (open connections keep their decisions).
  public func setSeed(_ seed: UInt64) {
    context.seed = seed
  }

  /// The proxy's own faults, in order (timeline faults not included).
  public func faults(forProxy name: String) throws -> [FaultSpec] {
    try state(named: name).faultPlan.faults
  }

  /// The faults in effect right now, including those of running timeline phases.
  public func activeFaults(forProxy name: String) throws -> [FaultSpec] {
    try state(named: name).activeFaults.map(\.spec)
  }

  /// Replaces the proxy's own faults.
  public func setFaults(_ faults: [FaultSpec], forProxy name: String) async throws {
    try await updateFaults(forProxy: name) { _ in (faults, ()) }
  }

  /// Reads, changes and writes the proxy's faults as one step; `change` may throw to leave them as they were.
  public func updateFaults<T: Sendable>(
    forProxy name: String, _ change: ([FaultSpec]) throws -> ([FaultSpec], T)
  ) async throws -> T {
    let state = try state(named: name)
    let result = try state.updatePlan { plan -> T in
      let (faults, result) = try change(plan.faults)
      plan.faults = faults
      return result
    }
    try await broadcast(state)
    return result
  }

  /// Applies a profile: its faults replace the proxy's own, and its timeline starts now, measured on
  /// the proxy's home loop so that a slow caller does not shift the phases.
  public func applyProfile(_ profile: Profile, toProxy name: String) async throws {
    let state = try state(named: name)
    if let seed = profile.seed { context.seed = seed }
    try await home(of: state).run { worker in _ = Self.startProfile(profile, of: state, on: worker)
    }
    try await broadcast(state)
  }

  /// On `state`'s home loop: `profile`'s faults replace the proxy's own and its timeline starts now.
  /// Returns the start, in `MonotonicClock` nanoseconds.
  static func startProfile(_ profile: Profile, of state: ProxyState, on worker: Worker) -> UInt64 {
    let start = MonotonicClock.now()
    let generation = state.updatePlan { plan -> UInt64 in
      plan.faults = profile.faults
      plan.timeline = profile.timeline
      plan.timelineStart = start
      plan.profileName = profile.name
      plan.generation &+= 1
      return plan.generation
    }
    worker.startTimeline(of: state, generation: generation)
    return start
  }

  /// Enables or disables a proxy. Disabled: listener closed and every connection closed; enabled:
  /// listening again on the same address.
  public func setEnabled(_ enabled: Bool, forProxy name: String) async throws {
    let state = try state(named: name)
    state.updatePlan { $0.enabled = enabled }
    if !enabled {
      for thread in threads {
        try await thread.run { worker in worker.closeConnections(of: state.id) }
      }
    }
    try await broadcast(state)
  }

  /// Removes every fault and timeline and enables every proxy (Toxiproxy's `/reset`).
  public func resetAll() async throws {
    let states = registry.withLock { Array($0.values) }.filter { $0.id != 0 }
    for state in states {
      state.updatePlan { plan in
        plan = FaultPlan(faults: [])
        plan.generation = plan.generation &+ 1
      }
      try await broadcast(state)
    }
  }

  func state(named name: String) throws -> ProxyState {
    guard let state = registry.withLock({ $0[name] }), state.id != 0 else {
      throw ProxyError.unknownProxy(name)
    }
    return state
  }

  func home(of state: ProxyState) -> LoopThread {
    threads[Int(state.id) % threads.count]
  }

  /// Makes every loop apply the proxy's current plan, and waits until all have.
  func broadcast(_ state: ProxyState) async throws {
    for thread in threads {
      try await thread.run { worker in worker.apply(state) }
    }
  }
}
