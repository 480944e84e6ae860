import Synchronization

/// Everything the loops share about one proxy: its addresses, counters and current faults.
///
/// Created by the engine, read on every loop thread; the fault list is swapped under a mutex, and each
/// loop then applies the new list to its own connections.
final class ProxyState: Sendable {
  let id: UInt64
  let name: String
  let listen: SocketAddress
  let upstream: SocketAddress
  let connectTimeout: Duration
  let counters = ProxyCounters()
  private let nextConnection = Atomic<UInt64>(0)
  private let currentFaults: Mutex<[FaultSpec]>

  init(id: UInt64, configuration: ProxyConfiguration, boundListen: SocketAddress) {
    self.id = id
    name = configuration.name
    listen = boundListen
    upstream = configuration.upstream
    connectTimeout = configuration.connectTimeout
    currentFaults = Mutex(configuration.faults)
  }

  var faults: [FaultSpec] {
    get { currentFaults.withLock { $0 } }
    set { currentFaults.withLock { $0 = newValue } }
  }

  /// The next connection's index in accept order.
  func takeConnectionIndex() -> UInt64 {
    nextConnection.add(1, ordering: .relaxed).oldValue
  }

  var info: ProxyInfo {
    ProxyInfo(name: name, listen: listen, upstream: upstream, faults: faults)
  }
}
