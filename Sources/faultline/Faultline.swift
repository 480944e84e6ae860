import ArgumentParser

/// Faultline: prove that a ComfyUI client survives a bad network and a dying server.
@main
struct Faultline: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "faultline",
    abstract: "Fault-injecting TCP proxy, mock ComfyUI server and reconnection harness.",
    subcommands: [
      ProxyCommand.self,
      MockCommand.self,
      ProfileCommand.self,
      UpCommand.self,
      ValidateCommand.self,
      CompareCommand.self,
    ]
  )
}
