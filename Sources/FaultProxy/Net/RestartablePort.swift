import Glibc

/// Free TCP ports for servers that will be stopped and started again on the same port.
///
/// A port from port 0 lies in the kernel's ephemeral range (`ip_local_port_range`), the range it
/// also takes every outgoing connection's local port from. In the gap of a restart any process's
/// `connect` may take the freed port and keep it for as long as its connection lives, and the
/// restarted server cannot listen (seen in 1 of 20 whole-suite runs beside two busy processes).
/// Below that range only an explicit `bind` takes a port, so a restarted server gets its port back.
public enum RestartablePort {
  /// The lowest port handed out: below it lie most well-known services' ports.
  static let floor = 10_000

  /// A port on `host` that nothing listens on or is bound to now, outside the ephemeral range;
  /// port 0 (any port) when the range leaves no room below it.
  public static func pick(host: String = "127.0.0.1") throws -> Int {
    try pick(host: host, among: candidatePorts())
  }

  /// A port of `candidates` that is free on `host` now, or 0 when 64 random tries found none.
  static func pick(host: String, among candidates: Range<Int>) throws -> Int {
    guard !candidates.isEmpty else { return 0 }
    let address = try SocketAddress(host: host, port: 0)
    for _ in 0..<64 {
      let port = Int.random(in: candidates)
      // A bind without listen, closed at once, leaves nothing behind (no TIME_WAIT); it fails while
      // a listener or another bound socket holds the port.
      if let probe = try? PortReservation.probe(address.withPort(UInt16(port))) {
        Glibc.close(probe.fd)
        return port
      }
    }
    return 0
  }

  /// The ports from `floor` up to the first ephemeral one.
  static func candidatePorts() -> Range<Int> {
    floor..<max(floor, ephemeralRange()?.lowerBound ?? 32_768)
  }

  /// `net.ipv4.ip_local_port_range` (it applies to IPv6 too), or nil where it cannot be read.
  public static func ephemeralRange() -> ClosedRange<Int>? {
    // stdio, not Foundation: its whole-file readers leak on /proc's size-0 files under ASan.
    guard let file = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 64)
    guard fgets(&line, Int32(line.count), file) != nil else { return nil }
    let text = String(
      decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let bounds = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
    guard bounds.count == 2, bounds[0] <= bounds[1] else { return nil }
    return bounds[0]...bounds[1]
  }
}
