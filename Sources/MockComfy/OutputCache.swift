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
/// cache does. LoadImage's signature includes its file's content (its `IS_CHANGED` hashes the file);
/// SaveImageWebsocket is never a hit (its `IS_CHANGED` is the time).
final class OutputCache: Sendable {
  /// What a hit gives back: the node's values for the nodes after it, and its `executed` output.
  struct Entry: Sendable {
    let values: [NodeValue]
    let output: JSONValue?
  }

  /// Signatures longer than this (a pathologically shared graph) are not cached rather than kept.
  private static let longestSignature = 1 << 16
  private let entries = Locked<[String: Entry]>([:])

  /// The signature of every cacheable node, by node id. `fileStamp` gives the content stamp of
  /// LoadImage's file (nil when missing).
  static func signatures(
    of prompt: ValidatedPrompt, fileStamp: (String) -> String?
  ) -> [String: String] {
    var signatures: [String: String] = [:]
    var failed: Set<String> = []
    func signature(of id: String, depth: Int) -> String? {
      if let known = signatures[id] { return known }
      guard !failed.contains(id), depth < 10_000, let node = prompt.nodes[id],
        node.nodeClass.behaviour.isCacheable
      else { return nil }
      failed.insert(id)  // a cycle reaching back here has no signature
      var parts: [String] = []
      for (name, value) in node.inputs.members.sorted(by: { $0.key < $1.key }) {
        if let link = PromptValidator.link(value) {
          guard let source = signature(of: link.node, depth: depth + 1) else { return nil }
          parts.append("\(name)=<\(source)>#\(link.slot)")
        } else {
          parts.append("\(name)=\(value.pythonJSONText)")
        }
      }
      if node.nodeClass.behaviour == .loadImage {
        guard let file = node.inputs["image"]?.stringValue, let stamp = fileStamp(file) else {
          return nil
        }
        parts.append("#file=\(stamp)")
      }
      let text = "\(node.nodeClass.name)(\(parts.joined(separator: ",")))"
      guard text.utf8.count <= longestSignature else { return nil }
      failed.remove(id)
      signatures[id] = text
      return text
    }
    for id in prompt.nodes.keys { _ = signature(of: id, depth: 0) }
    return signatures
  }

  func entry(for signature: String) -> Entry? {
    entries.withLock { $0[signature] }
  }

  /// Forgets every entry: the real executor's `reset()`, which `POST /free` with `free_memory` asks for.
  func clear() {
    entries.withLock { $0 = [:] }
  }

  /// Ends a prompt: keeps the entries of its nodes (`signatures`) and adds those it ran (`fresh`).
  func finishPrompt(signatures: some Sequence<String>, fresh: [String: Entry]) {
    let kept = Set(signatures)
    entries.withLock { entries in
      entries = entries.filter { kept.contains($0.key) }.merging(fresh) { _, new in new }
    }
  }
}
