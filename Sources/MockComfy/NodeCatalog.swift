/// The core node classes of a default ComfyUI install that the mock can run: the default text-to-image
/// workflow and its neighbours, with the inputs, outputs and categories of ComfyUI's `nodes.py`.
struct NodeCatalog: Sendable {
  /// The checkpoint the default workflow (and ComfyUI's example script) loads.
  static let checkpoints: [JSONValue] = ["v1-5-pruned-emaonly.safetensors"]

  static let samplers: [JSONValue] = [
    "euler", "euler_cfg_pp", "euler_ancestral", "euler_ancestral_cfg_pp", "heun", "heunpp2",
    "dpm_2",
    "dpm_2_ancestral", "lms", "dpm_fast", "dpm_adaptive", "dpmpp_2s_ancestral",
    "dpmpp_2s_ancestral_cfg_pp",
    "dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m", "dpmpp_2m_cfg_pp", "dpmpp_2m_sde", "dpmpp_2m_sde_gpu",
    "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm", "ipndm", "ipndm_v", "deis", "res_multistep",
    "res_multistep_cfg_pp", "res_multistep_ancestral", "res_multistep_ancestral_cfg_pp",
    "gradient_estimation",
    "er_sde", "seeds_2", "seeds_3", "ddim", "uni_pc", "uni_pc_bh2",
  ]

  static let schedulers: [JSONValue] = [
    "simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta", "normal",
    "linear_quadratic",
    "kl_optimal",
  ]

  let classes: [NodeClass]

  /// `inputImages` are the files a LoadImage node may name (the mock's input directory).
  init(inputImages: [String] = []) {
    let hiddenPromptInfo: [(String, JSONValue)] = [
      ("prompt", "PROMPT"), ("extra_pnginfo", "EXTRA_PNGINFO"),
    ]
    classes = [
      NodeClass(
        name: "CheckpointLoaderSimple", displayName: "Load Checkpoint", category: "loaders",
        description:
          "Loads a diffusion model checkpoint, diffusion models are used to denoise latents.",
        required: [
          (
            "ckpt_name",
            [.array(Self.checkpoints), ["tooltip": "The name of the checkpoint (model) to load."]]
          )
        ],
        optional: [], hidden: [],
        outputs: ["MODEL", "CLIP", "VAE"],
        outputTooltips: [
          "The model used for denoising latents.",
          "The CLIP model used for encoding text prompts.",
          "The VAE model used for encoding and decoding images to and from latent space.",
        ],
        isOutputNode: false, reportsProgress: false, product: .none),
      NodeClass(
        name: "CLIPTextEncode", displayName: "CLIP Text Encode (Prompt)", category: "conditioning",
        description:
          "Encodes a text prompt using a CLIP model into an embedding that can be used to guide the diffusion model towards generating specific images.",
        required: [
          (
            "text",
            [
              "STRING",
              ["multiline": true, "dynamicPrompts": true, "tooltip": "The text to be encoded."],
            ]
          ),
          ("clip", ["CLIP", ["tooltip": "The CLIP model used for encoding the text."]]),
        ],
        optional: [], hidden: [],
        outputs: ["CONDITIONING"],
        outputTooltips: [
          "A conditioning containing the embedded text used to guide the diffusion model."
        ],
        isOutputNode: false, reportsProgress: false, product: .none),
      NodeClass(
        name: "EmptyLatentImage", displayName: "Empty Latent Image", category: "latent",
        description: "Create a new batch of empty latent images to be denoised via sampling.",
        required: [
          (
            "width",
            [
              "INT",
              [
                "default": 512, "min": 16, "max": 16384, "step": 8,
                "tooltip": "The width of the latent images in pixels.",
              ],
            ]
          ),
          (
            "height",
            [
              "INT",
              [
                "default": 512, "min": 16, "max": 16384, "step": 8,
                "tooltip": "The height of the latent images in pixels.",
              ],
            ]
          ),
          (
            "batch_size",
            [
              "INT",
              [
                "default": 1, "min": 1, "max": 4096,
                "tooltip": "The number of latent images in the batch.",
              ],
            ]
          ),
        ],
        optional: [], hidden: [],
        outputs: ["LATENT"],
        outputTooltips: ["The empty latent image batch."],
        isOutputNode: false, reportsProgress: false, product: .none),
      NodeClass(
        name: "KSampler", displayName: "KSampler", category: "sampling",
        description:
          "Uses the provided model, positive and negative conditioning to denoise the latent image.",
        required: [
          ("model", ["MODEL", ["tooltip": "The model used for denoising the input latent."]]),
          (
            "seed",
            [
              "INT",
              [
                "default": 0, "min": 0, "max": .int(Int.max), "control_after_generate": true,
                "tooltip": "The random seed used for creating the noise.",
              ],
            ]
          ),
          (
            "steps",
            [
              "INT",
              [
                "default": 20, "min": 1, "max": 10000,
                "tooltip": "The number of steps used in the denoising process.",
              ],
            ]
          ),
          (
            "cfg",
            [
              "FLOAT",
              [
                "default": 8.0, "min": 0.0, "max": 100.0, "step": 0.1, "round": 0.01,
                "tooltip":
                  "The Classifier-Free Guidance scale balances creativity and adherence to the prompt. Higher values result in images more closely matching the prompt however too high values will negatively impact quality.",
              ],
            ]
          ),
          (
            "sampler_name",
            [
              .array(Self.samplers),
              [
                "tooltip":
                  "The algorithm used when sampling, this can affect the quality, speed, and style of the generated output."
              ],
            ]
          ),
          (
            "scheduler",
            [
              .array(Self.schedulers),
              [
                "tooltip":
                  "The scheduler controls how noise is gradually removed to form the image."
              ],
            ]
          ),
          (
            "positive",
            [
              "CONDITIONING",
              [
                "tooltip":
                  "The conditioning describing the attributes you want to include in the image."
              ],
            ]
          ),
          (
            "negative",
            [
              "CONDITIONING",
              [
                "tooltip":
                  "The conditioning describing the attributes you want to exclude from the image."
              ],
            ]
          ),
          ("latent_image", ["LATENT", ["tooltip": "The latent image to denoise."]]),
          (
            "denoise",
            [
              "FLOAT",
              [
                "default": 1.0, "min": 0.0, "max": 1.0, "step": 0.01,
                "tooltip":
                  "The amount of denoising applied, lower values will maintain the structure of the initial image allowing for image to image sampling.",
              ],
            ]
          ),
        ],
        optional: [], hidden: [],
        outputs: ["LATENT"],
        outputTooltips: ["The denoised latent."],
        isOutputNode: false, reportsProgress: true, product: .none),
      NodeClass(
        name: "VAEDecode", displayName: "VAE Decode", category: "latent",
        description: "Decodes latent images back into pixel space images.",
        required: [
          ("samples", ["LATENT", ["tooltip": "The latent to be decoded."]]),
          ("vae", ["VAE", ["tooltip": "The VAE model used for decoding the latent."]]),
        ],
        optional: [], hidden: [],
        outputs: ["IMAGE"],
        outputTooltips: ["The decoded image."],
        isOutputNode: false, reportsProgress: false, product: .none),
      NodeClass(
        name: "VAEEncode", displayName: "VAE Encode", category: "latent",
        description: "",
        required: [("pixels", ["IMAGE"]), ("vae", ["VAE"])],
        optional: [], hidden: [],
        outputs: ["LATENT"], outputTooltips: [],
        isOutputNode: false, reportsProgress: false, product: .none),
      NodeClass(
        name: "SaveImage", displayName: "Save Image", category: "image",
        description: "Saves the input images to your ComfyUI output directory.",
        required: [
          ("images", ["IMAGE", ["tooltip": "The images to save."]]),
          (
            "filename_prefix",
            [
              "STRING",
              [
                "default": "ComfyUI",
                "tooltip":
                  "The prefix for the file to save. This may include formatting information such as %date:yyyy-MM-dd% or %Empty Latent Image.width% to include values from nodes.",
              ],
            ]
          ),
        ],
        optional: [], hidden: hiddenPromptInfo,
        outputs: [], outputTooltips: [],
        isOutputNode: true, reportsProgress: false, product: .savedImages),
      NodeClass(
        name: "PreviewImage", displayName: "Preview Image", category: "image",
        description: "Saves the input images to your ComfyUI output directory.",
        required: [("images", ["IMAGE"])],
        optional: [], hidden: hiddenPromptInfo,
        outputs: [], outputTooltips: [],
        isOutputNode: true, reportsProgress: false, product: .previewImages),
      NodeClass(
        name: "LoadImage", displayName: "Load Image", category: "image",
        description: "",
        required: [("image", [.array(inputImages.map { .string($0) }), ["image_upload": true]])],
        optional: [], hidden: [],
        outputs: ["IMAGE", "MASK"], outputTooltips: [],
        isOutputNode: false, reportsProgress: false, product: .none, isCacheable: false),
    ]
  }

  subscript(name: String) -> NodeClass? {
    classes.first { $0.name == name }
  }

  /// The whole `/object_info` answer.
  var objectInfo: JSONValue {
    var object = JSONObject()
    for nodeClass in classes { object[nodeClass.name] = nodeClass.objectInfo }
    return .object(object)
  }
}
