import FaultProxy
import FaultlineLocking

/// What API clients wrote that the data plane does not keep, so responses echo it back: the
/// upstream as written (`localhost:6379`, not the resolved address).
///
/// Entries are keyed by the exact data-plane value they describe, so a proxy or fault changed by
/// other means (a profile, the harness) simply shows its own canonical form.
final class WireNames: Sendable {
  private struct Entry {
    var upstream: SocketAddress?
    var upstreamText: String?
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
}
