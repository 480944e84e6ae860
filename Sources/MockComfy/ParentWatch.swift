import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Notices that the process that started us is gone, so a mock server never outlives its test run.
///
/// Two signals, because each alone has a hole: end-of-file on standard input (the parent holds the only
/// write end of that pipe, so the kernel closes it however the parent dies, even by SIGKILL; enabled only
/// when asked, since an interactive shell's stdin may be `/dev/null`) and the parent pid changing (we were
/// re-parented to init or a subreaper; catches parents that did not give us a pipe).
public enum ParentWatch {
  /// Calls `onParentGone` from a background thread or task when either signal fires.
  /// `originalParent` must be read (`getppid()`) as early as possible: a parent that dies before it is
  /// read would go unnoticed.
  public static func start(
    originalParent: pid_t, watchStandardInput: Bool,
    onParentGone: @escaping @Sendable (String) -> Void
  ) {
    if watchStandardInput {
      let thread = Thread {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
          let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
          if count > 0 || (count < 0 && errno == EINTR) { continue }
          onParentGone("standard input reached end-of-file")
          return
        }
      }
      thread.name = "parent-watch-stdin"
      thread.start()
    }
    Task.detached {
      while getppid() == originalParent {
        try? await Task.sleep(for: .milliseconds(200))
      }
      onParentGone("parent process \(originalParent) exited")
    }
  }
}
