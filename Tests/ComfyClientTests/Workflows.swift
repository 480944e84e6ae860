@testable import ComfyClient

/// Prompt graphs the client tests need beyond `SampleWorkflows`, in ComfyUI's API format.
enum Workflows {
  /// A graph with no output node, which the server rejects.
  static func withoutOutput() throws -> JSONValue {
    try JSONValue.parse(
      Array(
        #"{"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}}}"#
          .utf8),
      source: "withoutOutput fixture")
  }
}
