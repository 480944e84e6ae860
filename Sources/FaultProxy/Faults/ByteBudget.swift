/// Counts the bytes of one direction against a limit, for faults that act after N bytes.
struct ByteBudget {
  let limit: Int
  private(set) var passed = 0

  init(limit: Int) {
    self.limit = max(0, limit)
  }

  /// Splits `chunk` into the part that still fits (nil when none does) and the number of bytes beyond
  /// the limit; `reached` is true once the limit is met.
  mutating func take(_ chunk: Chunk) -> (within: Chunk?, overflow: Int, reached: Bool) {
    let allowed = limit - passed
    if chunk.count < allowed {
      passed += chunk.count
      return (chunk, 0, false)
    }
    guard allowed > 0 else { return (nil, chunk.count, true) }
    passed += allowed
    if allowed == chunk.count { return (chunk, 0, true) }
    var rest = chunk
    let prefix = rest.splitPrefix(allowed)
    return (prefix, rest.count, true)
  }
}
