import FaultProfiles

/// libFuzzer's entry: one input as a profile file. A crash is libFuzzer's to catch; a rejection
/// must name its place (`fuzz.yaml:LINE:COLUMN` or the file) and say something.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProfile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data else { return 0 }
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  do throws(ProfileError) {
    _ = try ProfileLoader.parse(yaml: text, file: "fuzz.yaml")
  } catch {
    let message = error.description
    guard message.hasPrefix("fuzz.yaml"), message.count > "fuzz.yaml: ".count else {
      fatalError("a rejection without its place or message: \(message)")
    }
  }
  return 0
}
