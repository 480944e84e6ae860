#if canImport(Glibc)
  import Glibc
#endif

/// How a child process ended: a normal exit with a code, or death by a signal.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
  case exited(code: Int32)
  case signaled(signal: Int32)

  /// Decodes a raw `waitpid` status word (the `WIFEXITED`/`WTERMSIG` macros are not importable into Swift).
  init(waitStatus status: Int32) {
    let termSignal = status & 0x7f
    if termSignal == 0 {
      self = .exited(code: (status >> 8) & 0xff)
    } else {
      self = .signaled(signal: termSignal)
    }
  }

  public var description: String {
    switch self {
    case .exited(let code): "exited with code \(code)"
    case .signaled(let signal): "killed by signal \(signal)"
    }
  }
}
