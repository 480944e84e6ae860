import Synchronization

/// Live counters of one proxy, readable from any thread without a round trip to the loop.
///
/// Loop threads add with relaxed atomics; readers take a `ProxyStats` snapshot.
public final class ProxyCounters: Sendable {
  let receivedUpstream = Atomic<UInt64>(0)
  let receivedDownstream = Atomic<UInt64>(0)
  let sentUpstream = Atomic<UInt64>(0)
  let sentDownstream = Atomic<UInt64>(0)
  let connectionsOpen = Atomic<Int>(0)
  let connectionsTotal = Atomic<UInt64>(0)
  let resetsSent = Atomic<UInt64>(0)
  let faultActions = Atomic<UInt64>(0)
  let upstreamConnectFailures = Atomic<UInt64>(0)

  init() {}

  func addReceived(_ count: Int, _ direction: Direction) {
    if direction == .upstream {
      receivedUpstream.add(UInt64(count), ordering: .relaxed)
    } else {
      receivedDownstream.add(UInt64(count), ordering: .relaxed)
    }
  }

  func addSent(_ count: Int, _ direction: Direction) {
    if direction == .upstream {
      sentUpstream.add(UInt64(count), ordering: .relaxed)
    } else {
      sentDownstream.add(UInt64(count), ordering: .relaxed)
    }
  }

  /// A consistent-enough copy of every counter.
  public var snapshot: ProxyStats {
    ProxyStats(
      receivedBytes: [
        .upstream: receivedUpstream.load(ordering: .relaxed),
        .downstream: receivedDownstream.load(ordering: .relaxed),
      ],
      sentBytes: [
        .upstream: sentUpstream.load(ordering: .relaxed),
        .downstream: sentDownstream.load(ordering: .relaxed),
      ],
      connectionsOpen: connectionsOpen.load(ordering: .relaxed),
      connectionsTotal: connectionsTotal.load(ordering: .relaxed),
      resetsSent: resetsSent.load(ordering: .relaxed),
      faultActions: faultActions.load(ordering: .relaxed),
      upstreamConnectFailures: upstreamConnectFailures.load(ordering: .relaxed)
    )
  }
}

/// A snapshot of a proxy's counters.
public struct ProxyStats: Sendable, Equatable {
  /// Bytes read from the source of each direction (upstream: from clients; downstream: from the server).
  public var receivedBytes: [Direction: UInt64]
  /// Bytes written to the sink of each direction.
  public var sentBytes: [Direction: UInt64]
  public var connectionsOpen: Int
  public var connectionsTotal: UInt64
  public var resetsSent: UInt64
  public var faultActions: UInt64
  public var upstreamConnectFailures: UInt64
}

/// What one connection has done so far.
public struct ConnectionStats: Sendable, Equatable {
  /// Accept order within the proxy, starting at 0; also the connection's key for seeded decisions.
  public var index: UInt64
  public var receivedBytes: [Direction: UInt64]
  public var sentBytes: [Direction: UInt64]
  public var upstreamConnected: Bool
  /// Monotonic nanoseconds since the connection was accepted.
  public var age: UInt64
}
