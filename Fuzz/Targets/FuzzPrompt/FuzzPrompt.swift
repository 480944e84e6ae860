@testable import MockComfy

/// libFuzzer's entry: one input as a `/prompt` body, parsed and validated as the mock's route
/// does. A graph refused with HTTP 400 must say why in `error.message`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPrompt(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data else { return 0 }
  guard let body = try? JSONValue.parse(Array(UnsafeBufferPointer(start: data, count: size)))
  else { return 0 }
  let validator = PromptValidator(catalog: .builtIn, inputFileExists: { _ in false })
  // The route takes `prompt` from the request; a bare graph is tried as one too.
  if case .failure(.refused(let error, _)) = validator.validate(body["prompt"] ?? body),
    (error["message"]?.stringValue ?? "").isEmpty
  {
    fatalError("a refusal without a message: \(error)")
  }
  return 0
}
