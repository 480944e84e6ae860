/// Finds the valid name a misspelt one was probably meant to be, for "did you mean" hints.
public enum ClosestMatch {
  /// The candidate nearest to `word` by edit distance (ignoring case), if it is near enough to be a typo.
  public static func suggestion(for word: String, among candidates: [String]) -> String? {
    let lowered = Array(word.lowercased())
    // Short words are too easy to "correct" into something unrelated, so they only match up to case.
    let limit = lowered.count <= 2 ? 0 : max(1, lowered.count / 3)
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
      let distance = editDistance(lowered, Array(candidate.lowercased()))
      if distance <= limit, distance < (best?.distance ?? Int.max) {
        best = (candidate, distance)
      }
    }
    return best?.candidate
  }

  /// Levenshtein distance with one rolling row.
  static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
        current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
      }
      swap(&previous, &current)
    }
    return previous[b.count]
  }

  /// " (did you mean "x"?)" or nothing.
  public static func hint(for word: String, among candidates: [String]) -> String {
    suggestion(for: word, among: candidates).map { " (did you mean \"\($0)\"?)" } ?? ""
  }
}
