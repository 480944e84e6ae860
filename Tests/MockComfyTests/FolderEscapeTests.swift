import ChildProcess
import Foundation
import Testing

@testable import MockComfy

/// `/view` and uploads never reach a file outside the mock's folders: not by `..`, not by encoded
/// dots, not through a symbolic link placed inside a folder.
@Suite struct FolderEscapeTests {
  /// A store in a fresh directory, with a secret file beside (outside) its folders.
  private func withStore(_ body: (OutputStore, URL) throws -> Void) throws {
    let parent = try ScratchDirectory.create(prefix: "faultline-escape-test")
    defer { try? FileManager.default.removeItem(at: parent) }
    let store = try OutputStore(parent: parent)
    let secret = parent.appendingPathComponent("secret.png")
    try Data("secret".utf8).write(to: secret)
    try body(store, secret)
  }

  @Test func pathTricksAreRefused() throws {
    try withStore { store, _ throws in
      #expect(
        store.resolveView(filename: "../secret.png", type: "output", subfolder: nil) == .badRequest)
      #expect(
        store.resolveView(filename: "secret.png", type: "output", subfolder: "..") == .forbidden)
      #expect(
        store.resolveView(filename: "secret.png", type: "output", subfolder: "a/../../..")
          == .forbidden)
      #expect(
        store.resolveView(filename: "/etc/passwd", type: "output", subfolder: nil) == .badRequest)
      #expect(
        try store.saveUpload(
          data: [1], filename: "x.png", type: "input", subfolder: "../..", overwrite: true)
          == nil)
      #expect(
        try store.saveUpload(
          data: [1], filename: "../x.png", type: "input", subfolder: "", overwrite: true)
          == nil)
    }
  }

  @Test func symbolicLinksInsideAFolderDoNotLeadOut() throws {
    try withStore { store, secret throws in
      let output = try #require(store.directory(type: "output"))
      let input = try #require(store.directory(type: "input"))
      let outside = secret.deletingLastPathComponent()
      try FileManager.default.createSymbolicLink(
        at: output.appendingPathComponent("leak.png"), withDestinationURL: secret)
      try FileManager.default.createSymbolicLink(
        at: output.appendingPathComponent("door"), withDestinationURL: outside)
      try FileManager.default.createSymbolicLink(
        at: input.appendingPathComponent("door"), withDestinationURL: outside)
      #expect(store.resolveView(filename: "leak.png", type: "output", subfolder: nil) == .forbidden)
      #expect(
        store.resolveView(filename: "secret.png", type: "output", subfolder: "door") == .forbidden)
      #expect(
        try store.saveUpload(
          data: [7], filename: "planted.png", type: "input", subfolder: "door", overwrite: true)
          == nil)
      #expect(
        !FileManager.default.fileExists(atPath: outside.appendingPathComponent("planted.png").path))
      // A link that stays inside is fine.
      try FileManager.default.createSymbolicLink(
        at: output.appendingPathComponent("alias"), withDestinationURL: input)
      _ = try store.saveUpload(
        data: [3], filename: "kept.png", type: "input", subfolder: "", overwrite: true)
      #expect(
        store.resolveView(filename: "kept.png", type: "output", subfolder: "alias")
          == .file(output.appendingPathComponent("alias/kept.png")))
    }
  }

  @Test func encodedDotsOnTheWireAreRefused() async throws {
    try await withMockServer { port async throws in
      for query in [
        "filename=%2e%2e%2fsecret.png&type=output",
        "filename=x.png&type=output&subfolder=%2e%2e%2f%2e%2e",
        "filename=..%2F..%2Fetc%2Fpasswd",
      ] {
        let status = try await HTTP.get("http://127.0.0.1:\(port)/view?\(query)").status
        #expect(status == 400 || status == 403, "\(query): \(status)")
      }
    }
  }
}
