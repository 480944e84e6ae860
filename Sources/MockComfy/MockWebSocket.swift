import Foundation
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket

/// Serves one `/ws?clientId=` socket: registers the session, drains its outbox into the socket, and
/// answers `feature_flags`. Everything else a client sends is ignored, as the real server ignores it.
struct MockWebSocket: Sendable {
  let sessions: SessionRegistry
  let maxUploadSize: Int

  func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, clientID: String?)
    async throws
  {
    let sid =
      clientID.flatMap { $0.isEmpty ? nil : $0 }
      ?? UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    let (token, outbox) = sessions.register(sid: sid)
    defer { sessions.unregister(sid: sid, token: token) }
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        for await message in outbox {
          switch message {
          case .text(let text): try await outbound.write(.text(text))
          case .binary(let bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
          case .close(let code):
            try await outbound.close(
              WebSocketErrorCode(codeNumber: Int(code)), reason: "Server shutdown")
            return
          }
        }
      }
      group.addTask {
        for try await message in inbound.messages(maxSize: 1 << 20) {
          guard case .text(let text) = message, let json = try? JSONValue.parse(Array(text.utf8)),
            json["type"]?.stringValue == "feature_flags"
          else { continue }
          sessions.setSupportsPreviewMetadata(
            sid: sid, token: token, json["data"]?["supports_preview_metadata"]?.isTruthy ?? false)
          let answer = MockMessage.make(
            "feature_flags",
            ["supports_preview_metadata": true, "max_upload_size": .int(maxUploadSize)])
          sessions.send(answer, to: sid)
        }
      }
      // Whichever ends first (the client left, or the server closed the socket) ends the session.
      try await group.next()
      group.cancelAll()
    }
  }
}
