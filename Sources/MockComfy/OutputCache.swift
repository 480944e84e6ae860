import FaultlineLocking

/// Which node outputs the server keeps between prompts, as ComfyUI's `--cache-classic` (its default)
/// and `--cache-none` flags choose.
public enum MockCacheMode: String, Sendable, CaseIterable {
  /// The outputs of the latest prompt's nodes are kept; an unchanged node does not run again.
  case classic
  /// Every node of every prompt runs.
  case none
}

/// ComfyUI's classic cache of node outputs, kept from one prompt to the next.
///
/// A node is a hit when its class and inputs, followed through every link back to the graph's roots,
/// equal those of a node that ran (or was itself a hit) in the latest prompt: what the real server's
/// input-signature cache keys on. After each prompt only that prompt's nodes stay, as the classic
/// cache does. Classes that are not `isCacheable` (LoadImage) are never hits.
final class OutputCache: Sendable {
  /// What a hit replays: the node's `executed` output; nil for a node that is not an output node.
  struct Entry: Sendable {
    let output: JSONValue?
  }

  /// Signatures longer than this (a pathologically shared graph) are not cached rather than kept.
  private static let longestSignature = 1 << 16
  private let entries = Locked<[String: Entry]>([:])

  /// The signature of every cacheable node, by node id. Nodes are visited in execution order, so a
  /// node's inputs already have theirs.
  static func signatures(of prompt: ValidatedPrompt) -> [String: String] {
    var signatures: [String: String] = [:]
    nodes: for node in prompt.executionOrder where node.nodeClass.isCacheable {
      var parts: [String] = []
      for (name, value) in node.inputs.members.sorted(by: { $0.key < $1.key }) {
        if let link = PromptValidator.link(value) {
          guard let source = signatures[link.node] else { continue nodes }
          parts.append("\(name)=<\(source)>#\(link.slot)")
        } else {
          parts.append("\(name)=\(value.text)")
        }
      }
      let signature = "\(node.nodeClass.name)(\(parts.joined(separator: ",")))"
      guard signature.utf8.count <= longestSignature else { continue }
      signatures[node.id] = signature
    }
    return signatures
  }

  func entry(for signature: String) -> Entry? {
    entries.withLock { $0[signature] }
  }

  /// Ends a prompt: keeps the entries of its nodes (`signatures`) and adds those it ran (`fresh`).
  func finishPrompt(signatures: some Sequence<String>, fresh: [String: Entry]) {
    let kept = Set(signatures)
    entries.withLock { entries in
      entries = entries.filter { kept.contains($0.key) }.merging(fresh) { _, new in new }
    }
  }
}
