import Foundation

/// Which listen addresses only this machine can reach. Faultline's HTTP servers (the control API,
/// the mock) reconfigure proxies or accept uploads, so they listen elsewhere only when told to.
public enum LoopbackHost {
  /// Whether `host` (a name or address, IPv6 with or without brackets) accepts connections only
  /// from this machine.
  public static func contains(_ host: String) -> Bool {
    let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
    return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
  }
}
