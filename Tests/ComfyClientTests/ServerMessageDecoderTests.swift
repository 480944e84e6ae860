import Testing

@testable import ComfyClient

/// Decoding of every text message type and binary frame, from frames shaped like the real server's.
@Suite struct ServerMessageDecoderTests {
  private let promptId = "5b2a3c1e-0000-4000-8000-000000000001"

  @Test func status() throws {
    let message = try ServerMessageDecoder.decode(
      text: #"{"type":"status","data":{"status":{"exec_info":{"queue_remaining":2}},"sid":"abc"}}"#)
    #expect(message == .status(StatusMessage(queueRemaining: 2, sessionId: "abc")))
  }

  @Test func promptLifecycleMessages() throws {
    #expect(
      try ServerMessageDecoder.decode(
        text: #"{"type":"execution_start","data":{"prompt_id":"\#(promptId)","timestamp":17}}"#)
        == .executionStart(PromptTimestampMessage(promptId: promptId, timestamp: 17)))
    #expect(
      try ServerMessageDecoder.decode(
        text:
          #"{"type":"execution_cached","data":{"nodes":["1",2],"prompt_id":"\#(promptId)","timestamp":18}}"#
      )
        == .executionCached(
          ExecutionCachedMessage(promptId: promptId, nodes: ["1", "2"], timestamp: 18)))
    #expect(
      try ServerMessageDecoder.decode(
        text:
          #"{"type":"executing","data":{"node":"3","display_node":"3","prompt_id":"\#(promptId)"}}"#
      )
        == .executing(ExecutingMessage(node: "3", displayNode: "3", promptId: promptId)))
    #expect(
      try ServerMessageDecoder.decode(
        text: #"{"type":"executing","data":{"node":null,"prompt_id":"\#(promptId)"}}"#)
        == .executing(ExecutingMessage(node: nil, displayNode: nil, promptId: promptId)))
    #expect(
      try ServerMessageDecoder.decode(text: #"{"type":"executing","data":{"node":"7"}}"#)
        == .executing(ExecutingMessage(node: "7", displayNode: nil, promptId: nil)))
    #expect(
      try ServerMessageDecoder.decode(
        text:
          #"{"type":"progress","data":{"value":4,"max":20,"prompt_id":"\#(promptId)","node":"3"}}"#)
        == .progress(ProgressMessage(value: 4, max: 20, promptId: promptId, node: "3")))
    #expect(
      try ServerMessageDecoder.decode(
        text: #"{"type":"execution_success","data":{"prompt_id":"\#(promptId)","timestamp":19}}"#)
        == .executionSuccess(PromptTimestampMessage(promptId: promptId, timestamp: 19)))
  }

  @Test func progressState() throws {
    let text = #"""
      {"type":"progress_state","data":{"prompt_id":"\#(promptId)","nodes":{"3":{"value":2,"max":20,"state":"running",
      "node_id":"3","prompt_id":"\#(promptId)","display_node_id":"3","parent_node_id":null,"real_node_id":"3"}}}}
      """#
    let message = try ServerMessageDecoder.decode(text: text)
    let expected = NodeProgress(
      value: 2, max: 20, state: "running", nodeId: "3", displayNodeId: "3", parentNodeId: nil,
      realNodeId: "3")
    #expect(
      message == .progressState(ProgressStateMessage(promptId: promptId, nodes: ["3": expected])))
  }

  @Test func executedCarriesItsImages() throws {
    let text = #"""
      {"type":"executed","data":{"node":"9","display_node":"9","prompt_id":"\#(promptId)",
      "output":{"images":[{"filename":"ComfyUI_00001_.png","subfolder":"","type":"output"}]}}}
      """#
    guard case .executed(let executed) = try ServerMessageDecoder.decode(text: text) else {
      Issue.record("not decoded as executed")
      return
    }
    #expect(executed.node == "9")
    #expect(
      executed.images == [ImageRef(filename: "ComfyUI_00001_.png", subfolder: "", type: "output")])
  }

  @Test func errorAndInterruption() throws {
    let error = #"""
      {"type":"execution_error","data":{"prompt_id":"\#(promptId)","node_id":"4","node_type":"KSampler","executed":[],
      "exception_message":"CUDA out of memory","exception_type":"torch.OutOfMemoryError","traceback":["line 1"],
      "current_inputs":{},"current_outputs":{},"timestamp":20}}
      """#
    #expect(
      try ServerMessageDecoder.decode(text: error)
        == .executionError(
          ExecutionErrorMessage(
            promptId: promptId, nodeId: "4", nodeType: "KSampler",
            exceptionMessage: "CUDA out of memory",
            exceptionType: "torch.OutOfMemoryError", traceback: ["line 1"], timestamp: 20)))
    let interrupted =
      #"{"type":"execution_interrupted","data":{"prompt_id":"\#(promptId)","node_id":"4","node_type":"KSampler","executed":[],"timestamp":21}}"#
    #expect(
      try ServerMessageDecoder.decode(text: interrupted)
        == .executionInterrupted(
          ExecutionInterruptedMessage(
            promptId: promptId, nodeId: "4", nodeType: "KSampler", timestamp: 21)))
  }

  @Test func featureFlagsAndUnknownTypesPassThrough() throws {
    #expect(
      try ServerMessageDecoder.decode(
        text:
          #"{"type":"feature_flags","data":{"supports_preview_metadata":true,"max_upload_size":100}}"#
      )
        == .featureFlags([
          "supports_preview_metadata": .bool(true), "max_upload_size": .number(100),
        ]))
    #expect(
      try ServerMessageDecoder.decode(text: #"{"type":"crystools.monitor","data":{"cpu":3}}"#)
        == .unknown(type: "crystools.monitor", data: .object(["cpu": .number(3)])))
  }

  @Test func malformedTextNamesTheProblem() {
    #expect(throws: ServerMessageDecoder.DecodingError.self) {
      try ServerMessageDecoder.decode(text: "not json")
    }
    do {
      _ = try ServerMessageDecoder.decode(
        text: #"{"type":"progress","data":{"value":"x","max":3}}"#)
      Issue.record("a progress without a numeric value decoded")
    } catch {
      #expect(error.description.contains("progress"))
      #expect(error.description.contains("\"value\""))
      #expect(error.description.contains("\"x\""))
    }
  }

  @Test func binaryPreviewImage() throws {
    let frame: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 2, 0x89, 0x50, 0x4E, 0x47]
    #expect(
      try ServerMessageDecoder.decode(binary: frame)
        == .preview(PreviewImage(format: .png, metadata: nil, bytes: [0x89, 0x50, 0x4E, 0x47])))
    let jpeg: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 1, 0xFF, 0xD8]
    #expect(
      try ServerMessageDecoder.decode(binary: jpeg)
        == .preview(PreviewImage(format: .jpeg, metadata: nil, bytes: [0xFF, 0xD8])))
  }

  @Test func binaryText() throws {
    let node = Array("12".utf8)
    let frame: [UInt8] = [0, 0, 0, 3, 0, 0, 0, UInt8(node.count)] + node + Array("hello".utf8)
    #expect(try ServerMessageDecoder.decode(binary: frame) == .text(nodeId: "12", text: "hello"))
  }

  @Test func binaryPreviewWithMetadata() throws {
    let json = Array(
      #"{"node_id":"3","prompt_id":"\#(promptId)","display_node_id":"3","parent_node_id":null,"real_node_id":"3","image_type":"image/jpeg"}"#
        .utf8)
    let length = UInt32(json.count)
    let frame: [UInt8] =
      [0, 0, 0, 4] + [
        UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF),
        UInt8(length & 0xFF),
      ]
      + json + [0xFF, 0xD8, 0xFF]
    let metadata = PreviewMetadata(
      nodeId: "3", promptId: promptId, displayNodeId: "3", parentNodeId: nil, realNodeId: "3",
      imageType: "image/jpeg")
    let message = try ServerMessageDecoder.decode(binary: frame)
    #expect(
      message
        == .preview(PreviewImage(format: .jpeg, metadata: metadata, bytes: [0xFF, 0xD8, 0xFF])))
    #expect(message.promptId == promptId)
  }

  @Test func truncatedAndUnknownBinaryFrames() throws {
    #expect(throws: ServerMessageDecoder.DecodingError.self) {
      try ServerMessageDecoder.decode(binary: [0, 0, 1])
    }
    #expect(throws: ServerMessageDecoder.DecodingError.self) {
      try ServerMessageDecoder.decode(binary: [0, 0, 0, 4, 0, 0, 0, 99, 1, 2])
    }
    #expect(throws: ServerMessageDecoder.DecodingError.self) {
      try ServerMessageDecoder.decode(binary: [0, 0, 0, 3, 0, 0, 0, 9])
    }
    #expect(
      try ServerMessageDecoder.decode(binary: [0, 0, 0, 42, 7])
        == .unknownBinary(eventType: 42, payload: [7]))
  }
}
