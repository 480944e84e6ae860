import FaultProxy
import Foundation

/// Mutated inputs from a corpus, in the manner of libFuzzer's default mutators (bit flips, random bytes,
/// deleted, duplicated and inserted ranges, dictionary tokens, splices of two corpus inputs, odd numbers),
/// from a seed so that a run can be repeated exactly.
struct Mutator {
  let corpus: [[UInt8]]
  let dictionary: [[UInt8]]
  let maximumLength: Int
  private var generator: SplitMix64

  init(corpus: [[UInt8]], dictionary: [String], seed: UInt64, maximumLength: Int = 16 * 1024) {
    self.corpus = corpus.isEmpty ? [[]] : corpus
    self.dictionary = dictionary.map { Array($0.utf8) }
    self.maximumLength = maximumLength
    generator = SplitMix64(state: seed)
  }

  /// A random number below `bound`.
  mutating func below(_ bound: Int) -> Int {
    Int(generator.next() % UInt64(max(bound, 1)))
  }

  /// The next input: a corpus entry with one to five mutations.
  mutating func next() -> [UInt8] {
    var input = corpus[below(corpus.count)]
    for _ in 0...below(5) { mutate(&input) }
    if input.count > maximumLength { input.removeLast(input.count - maximumLength) }
    return input
  }

  private static let oddNumbers = [
    "0", "-1", "1e309", "-0", "9223372036854775808", "18446744073709551616", "0.0000001", "NaN",
    "1e-400", "\"\"", "null", "true", "[]", "{}", "99999999999999999999999",
  ].map { Array($0.utf8) }

  private mutating func mutate(_ input: inout [UInt8]) {
    let position = below(input.count + 1)
    switch below(9) {
    case 0 where !input.isEmpty:
      input[min(position, input.count - 1)] ^= UInt8(1 << below(8))
    case 1 where !input.isEmpty:
      input[min(position, input.count - 1)] = UInt8(below(256))
    case 2 where !input.isEmpty:
      let end = min(input.count, position + 1 + below(16))
      input.removeSubrange(min(position, end)..<end)
    case 3 where !input.isEmpty:
      let start = min(position, input.count - 1)
      let end = min(input.count, start + 1 + below(64))
      input.insert(contentsOf: input[start..<end], at: below(input.count + 1))
    case 4 where !dictionary.isEmpty:
      input.insert(contentsOf: dictionary[below(dictionary.count)], at: position)
    case 5:
      // Splice: the head of this input with the tail of another.
      let other = corpus[below(corpus.count)]
      let cut = below(other.count + 1)
      input = Array(input[..<position]) + other[cut...]
    case 6:
      input.insert(contentsOf: Self.oddNumbers[below(Self.oddNumbers.count)], at: position)
    case 7 where !input.isEmpty:
      input.removeLast(below(input.count) / 2)
    default:
      // Nesting: brackets the parsers must not recurse on without bound.
      let opener: [UInt8] = below(2) == 0 ? Array("[".utf8) : Array("{\"a\":".utf8)
      input.insert(
        contentsOf: Array(repeating: opener, count: 1 + below(64)).flatMap { $0 }, at: position)
    }
  }
}

/// Runs `count` mutated inputs through `body`, which returns why an input got an unclear answer (or
/// nil); records the figures and the first problems. A crash ends the run, as with libFuzzer.
struct FuzzRun {
  var inputs = 0
  var accepted = 0
  var rejected = 0
  var problems: [String] = []
  var slowest: Duration = .zero
  var elapsed: Duration = .zero

  /// Inputs per run: `FAULTLINE_FUZZ_INPUTS` (e.g. 1,000,000 for a long run), else a quick 2,000.
  static var count: Int {
    ProcessInfo.processInfo.environment["FAULTLINE_FUZZ_INPUTS"].flatMap { Int($0) } ?? 2000
  }

  /// The seed: `FAULTLINE_FUZZ_SEED`, else a fixed one so that the default suite repeats itself.
  static var seed: UInt64 {
    ProcessInfo.processInfo.environment["FAULTLINE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 15
  }

  /// The files of `Fuzz/corpus/NAME`, read from the repository.
  static func corpus(_ name: String) throws -> [[UInt8]] {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fuzz/corpus/\(name)")
    return try FileManager.default.contentsOfDirectory(
      at: directory, includingPropertiesForKeys: nil
    )
    .sorted { $0.lastPathComponent < $1.lastPathComponent }
    .map { Array(try Data(contentsOf: $0)) }
  }

  /// Every corpus input as it is, then `count` mutated ones, on a thread of their own: seconds of
  /// parsing on one of Swift's cooperative threads (two on a two-core machine) would stall every
  /// other test of the process that awaits anything meanwhile.
  static func run(
    corpus: [[UInt8]], dictionary: [String], count: Int = FuzzRun.count,
    _ body: @escaping @Sendable ([UInt8]) -> (accepted: Bool, problem: String?)
  ) async -> FuzzRun {
    await withCheckedContinuation { continuation in
      Thread {
        continuation.resume(
          returning: runHere(corpus: corpus, dictionary: dictionary, count: count, body))
      }.start()
    }
  }

  private static func runHere(
    corpus: [[UInt8]], dictionary: [String], count: Int,
    _ body: ([UInt8]) -> (accepted: Bool, problem: String?)
  ) -> FuzzRun {
    var run = FuzzRun()
    var mutator = Mutator(corpus: corpus, dictionary: dictionary, seed: seed)
    let clock = ContinuousClock()
    let started = clock.now
    for index in 0..<(corpus.count + count) {
      let input = index < corpus.count ? corpus[index] : mutator.next()
      let before = clock.now
      let outcome = body(input)
      run.slowest = max(run.slowest, clock.now - before)
      run.inputs += 1
      if outcome.accepted { run.accepted += 1 } else { run.rejected += 1 }
      if let problem = outcome.problem, run.problems.count < 5 {
        run.problems.append(
          "\(problem) for input \(String(decoding: input.prefix(300), as: UTF8.self).debugDescription)"
        )
      }
    }
    run.elapsed = clock.now - started
    return run
  }

  /// One line of figures, printed for docs/reliability.md.
  func summary(_ name: String) -> String {
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let slowestMs =
      Double(slowest.components.seconds) * 1000 + Double(slowest.components.attoseconds) / 1e15
    return
      "fuzz \(name): \(inputs) inputs, \(accepted) accepted, \(rejected) rejected, \(problems.count) problems, "
      + String(
        format: "%.1f s, %.0f inputs/s, slowest %.1f ms", seconds, Double(inputs) / seconds,
        slowestMs)
  }
}
