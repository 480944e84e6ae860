import FaultlineJSON
import Foundation

@testable import ProxyControl

/// libFuzzer's entry: one input as a control API request body, decoded as the server decodes it,
/// then given to each handler's parsing step (a new toxic, an update of a latency toxic, a new
/// proxy, a /populate list). A refusal must carry a message.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzControl(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data else { return 0 }
  guard
    let body = try? JSONDecoder().decode(
      JSONValue.self, from: Data(bytes: data, count: size))
  else { return 0 }
  func check(_ error: ControlError) {
    if error.message.isEmpty { fatalError("a \(error.status.code) without a message") }
  }
  do throws(ControlError) { _ = try ToxicRequest.create(from: body) } catch { check(error) }
  do throws(ControlError) {
    let latency = JSONValue.object([
      "type": .string("latency"), "attributes": .object(["latency": .number(10)]),
    ])
    _ = try ToxicRequest.update(
      try ToxicRequest.create(from: latency).spec, wireType: "latency", body: body)
  } catch { check(error) }
  do throws(ControlError) { _ = try ProxyRequest(body) } catch { check(error) }
  do throws(ControlError) { _ = try ProxyDirectory.parsePopulate(body) } catch { check(error) }
  return 0
}
