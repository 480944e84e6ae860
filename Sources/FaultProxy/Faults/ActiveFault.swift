/// A fault in effect on a proxy, with the key that tells it apart from same-named faults of other phases.
struct ActiveFault: Sendable, Hashable {
  /// `base/NAME` for the proxy's own faults, `phaseN/NAME` for those of timeline phase N.
  let key: String
  let spec: FaultSpec
}
