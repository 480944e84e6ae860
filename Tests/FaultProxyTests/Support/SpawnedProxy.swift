import ChildProcess
import Foundation

/// A `faultline proxy` process in front of a test server, so its file descriptors and memory can be
/// read from /proc without other tests of this process disturbing the figures.
struct SpawnedProxy {
  let child: ManagedChild
  let port: UInt16

  static func start(upstreamPort: UInt16, extraArguments: [String] = []) async throws
    -> SpawnedProxy
  {
    let child = try ManagedChild(
      executable: try FaultlineExecutable.url,
      arguments: [
        "proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:\(upstreamPort)",
        "--exit-with-parent",
      ] + extraArguments)
    do {
      let ready = try await child.waitForReadyLine(timeout: .seconds(20))
      guard let listen = ready.string("listen"),
        let port = UInt16(listen.split(separator: ":").last ?? "")
      else {
        throw SocketError.failed("ready line without a listen address: \(ready.line)", 0)
      }
      return SpawnedProxy(child: child, port: port)
    } catch {
      await child.terminate(grace: .seconds(2))
      throw error
    }
  }

  /// Open file descriptors of the proxy process.
  var openDescriptors: Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.pid)/fd").count) ?? -1
  }

  /// Resident memory of the proxy process, in bytes.
  var residentBytes: Int {
    guard let status = try? String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
      let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
    else { return -1 }
    return kilobytes * 1024
  }

  func stop() async -> ExitStatus {
    await child.terminate(grace: .seconds(5))
  }
}
