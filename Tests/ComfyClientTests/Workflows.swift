@testable import ComfyClient

/// Prompt graphs used by the tests, in ComfyUI's API format.
enum Workflows {
  /// The default text-to-image graph; node 9 (SaveImage) is the output. A new seed each time, so
  /// the server's output cache never answers a prompt meant to run.
  static func textToImage(steps: Int = 4, seed: Int = .random(in: 0...Int(UInt32.max))) throws
    -> JSONValue
  {
    try JSONValue.parse(
      Array(
        """
        {
          "3": {"class_type": "KSampler", "inputs": {"seed": \(seed), "steps": \(steps), "cfg": 8, "sampler_name": "euler",
                "scheduler": "normal", "denoise": 1, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
                "latent_image": ["5", 0]}},
          "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
          "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
          "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a lighthouse in a storm", "clip": ["4", 1]}},
          "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
          "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
          "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}}
        }
        """.utf8), source: "textToImage fixture")
  }

  /// A graph with no output node, which the server rejects.
  static func withoutOutput() throws -> JSONValue {
    try JSONValue.parse(
      Array(
        #"{"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}}}"#
          .utf8),
      source: "withoutOutput fixture")
  }
}
