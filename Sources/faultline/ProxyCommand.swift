import ArgumentParser

/// Runs one proxy in the foreground.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "proxy", abstract: "Run a fault-injecting TCP proxy.")
    func run() async throws {}
}
