import Foundation

/// The one JSON line a long-running subcommand prints when it is ready, for the process that started it.
enum ReadyLine {
  static func print(_ fields: [String: any Sendable]) {
    let data =
      (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]))
      ?? Data("{}".utf8)
    Console.out(String(decoding: data, as: UTF8.self) + "\n")
  }
}
