import Glibc

/// A value guarded by a pthread mutex.
///
/// Used instead of `Synchronization.Mutex` throughout Faultline: ThreadSanitizer sees pthread mutexes
/// but not the futex that `Mutex` is built on, and the whole suite is checked under ThreadSanitizer.
/// `@unchecked Sendable`: every access to `value` happens inside `withLock`.
public final class Locked<Value>: @unchecked Sendable {
  fileprivate let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private var value: Value

  public init(_ value: Value) {
    mutex = .allocate(capacity: 1)
    self.value = value
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body(&value)
  }
}

extension Locked where Value == Void {
  /// A critical section guarding no value. It never touches the empty stored value, whose address
  /// ThreadSanitizer confuses with the object's header and reports as a race.
  public func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body()
  }
}
