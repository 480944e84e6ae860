import FaultProxy

/// A proxy as Toxiproxy shows it: name, listen (real port), upstream, enabled and its toxics.
struct ProxyRepresentation: Encodable, Sendable {
  var name: String
  var listen: String
  var upstream: String
  var enabled: Bool
  var toxics: [ToxicRepresentation]

  init(_ info: ProxyInfo, names: WireNames) {
    name = info.name
    listen = info.listen.description
    upstream = names.upstreamText(of: info)
    enabled = info.enabled
    toxics = info.faults.map {
      ToxicRepresentation($0)
    }
  }
}

/// The answer of `/populate`: the proxies created or kept, and the error if one stopped it.
struct PopulateRepresentation: Encodable, Sendable {
  var proxies: [ProxyRepresentation]
  var error: String?
  var status: Int?
}
