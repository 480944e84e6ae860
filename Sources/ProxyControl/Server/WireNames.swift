import FaultProxy
import FaultlineLocking

/// What API clients wrote that the data plane does not keep, so responses echo it back: the
/// upstream as written (`localhost:6379`, not the resolved address) and toxics posted as
/// `reset_peer` (stored as a `reset` fault).
///
/// Entries are keyed by the exact data-plane value they describe, so a proxy or fault changed by
/// other means (a profile, the harness) simply shows its own canonical form.
final class WireNames: Sendable {
  private struct Entry {
    var upstream: SocketAddress?
    var upstreamText: String?
    var resetPeers: Set<FaultSpec> = []
  }

  private let entries = Locked<[String: Entry]>([:])

  func rememberUpstream(_ text: String, address: SocketAddress, proxy: String) {
    entries.withLock {
      $0[proxy, default: Entry()].upstream = address
      $0[proxy, default: Entry()].upstreamText = text
    }
  }

  /// The upstream as the client wrote it, or the resolved address.
  func upstreamText(of info: ProxyInfo) -> String {
    entries.withLock { entries in
      guard let entry = entries[info.name], entry.upstream == info.upstream else {
        return String?.none
      }
      return entry.upstreamText
    } ?? info.upstream.description
  }

  func forget(proxy: String) {
    entries.withLock { _ = $0.removeValue(forKey: proxy) }
  }

  /// Records that `spec` was posted under `wireType` (only `reset_peer` differs from the kind's name).
  func remember(_ spec: FaultSpec, wireType: String, proxy: String) {
    guard wireType == "reset_peer" else { return }
    entries.withLock { _ = $0[proxy, default: Entry()].resetPeers.insert(spec) }
  }

  func forget(_ spec: FaultSpec, proxy: String) {
    entries.withLock { _ = $0[proxy]?.resetPeers.remove(spec) }
  }

  func forgetToxics() {
    entries.withLock { entries in
      for name in entries.keys { entries[name]?.resetPeers.removeAll() }
    }
  }

  func forgetToxics(ofProxy proxy: String) {
    entries.withLock { _ = $0[proxy]?.resetPeers.removeAll() }
  }

  /// The type name `spec` was posted with, when it differs from its kind's.
  func wireType(of spec: FaultSpec, proxy: String) -> String? {
    entries.withLock { $0[proxy]?.resetPeers.contains(spec) == true } ? "reset_peer" : nil
  }
}
