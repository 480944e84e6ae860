/// A named set of faults, optionally changing over time, loaded from a profile file or the API.
public struct Profile: Sendable, Hashable {
  public var name: String
  public var description: String
  /// Seed for every random decision; nil lets the proxy pick one and print it.
  public var seed: UInt64?
  /// Faults active for the whole run, in order.
  public var faults: [FaultSpec]
  /// Phases whose faults are added to `faults` while the phase is active.
  public var timeline: [Phase]

  public init(
    name: String, description: String, seed: UInt64? = nil, faults: [FaultSpec] = [],
    timeline: [Phase] = []
  ) {
    self.name = name
    self.description = description
    self.seed = seed
    self.faults = faults
    self.timeline = timeline
  }

  /// A stretch of time in a profile with faults of its own.
  public struct Phase: Sendable, Hashable {
    /// Start, measured from when the profile is applied.
    public var at: Duration
    /// Length; nil means until the end of the run.
    public var duration: Duration?
    public var faults: [FaultSpec]
    public init(at: Duration, duration: Duration? = nil, faults: [FaultSpec]) {
      self.at = at
      self.duration = duration
      self.faults = faults
    }
  }
}
