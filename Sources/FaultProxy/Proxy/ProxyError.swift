import CLibUV

/// Errors of the data plane, each naming what failed and why.
public enum ProxyError: Error, Equatable, CustomStringConvertible {
  case libuv(operation: String, code: Int32)
  case invalidAddress(String, reason: String)
  case bindFailed(address: String, code: Int32)
  case duplicateProxy(String)
  case unknownProxy(String)
  case engineStopped

  public var description: String {
    switch self {
    case .libuv(let operation, let code):
      "\(operation) failed: \(ProxyError.message(code))"
    case .invalidAddress(let address, let reason):
      "invalid address \"\(address)\": \(reason)"
    case .bindFailed(let address, let code):
      "cannot listen on \(address): \(ProxyError.message(code))"
    case .duplicateProxy(let name):
      "a proxy named \"\(name)\" already exists"
    case .unknownProxy(let name):
      "no proxy named \"\(name)\""
    case .engineStopped:
      "the proxy engine has stopped"
    }
  }

  static func message(_ code: Int32) -> String {
    "\(String(cString: uv_err_name(code))) (\(String(cString: uv_strerror(code))))"
  }
}
