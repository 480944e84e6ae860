import Foundation

/// Runs blocking socket work on its own thread, so it never starves Swift's cooperative thread pool
/// (two threads on a two-core machine).
public func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    Thread { continuation.resume(with: Result { try body() }) }.start()
  }
}
