/// Builds the running stage of a fault for one direction of one connection.
enum FaultStageFactory {
  /// The stage for `fault`, or nil for faults that act on the connection or the listener instead of
  /// on the bytes (refuse, connect_delay, noop).
  static func makeStage(for fault: ActiveFault, context: StageContext) -> (any FaultStage)? {
    switch fault.spec.kind {
    case .latency(let latency): LatencyStage(context: context, latency: latency)
    case .bandwidth(let bandwidth):
      BandwidthStage(
        context: context, bandwidth: bandwidth,
        shared: bandwidth.proxyBytesPerSecond.map {
          context.pair.proxy.sharedBucket(for: fault.key, direction: context.direction, rate: $0)
        })
    case .loss(let loss): LossStage(context: context, loss: loss)
    case .halfOpen(let halfOpen): HalfOpenStage(context: context, halfOpen: halfOpen)
    case .halfClose: HalfCloseStage(context: context)
    case .reset(let reset): ResetStage(context: context, reset: reset)
    case .slowClose(let delay): SlowCloseStage(context: context, delay: delay)
    case .slicer(let slicer): SlicerStage(context: context, slicer: slicer)
    case .limitData(let bytes): LimitDataStage(context: context, bytes: bytes)
    case .timeout(let timeout): TimeoutStage(context: context, timeout: timeout)
    case .refuse, .connectDelay, .noop: nil
    }
  }
}
