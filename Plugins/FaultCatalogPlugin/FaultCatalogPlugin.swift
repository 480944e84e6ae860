import Foundation
import PackagePlugin

/// Generates the list of fault types of a target from its sources, so adding a fault touches only the
/// fault's own file (and its test): no hand-kept registry to forget.
@main
struct FaultCatalogPlugin: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
    guard let module = target as? SourceModuleTarget else { return [] }
    let sources = module.sourceFiles(withSuffix: "swift").map(\.url)
    let output = context.pluginWorkDirectoryURL.appending(path: "FaultCatalog+Types.swift")
    return [
      .buildCommand(
        displayName: "Listing the fault types of \(target.name)",
        executable: try context.tool(named: "fault-catalog-generator").url,
        arguments: [output.path] + sources.map(\.path),
        inputFiles: sources,
        outputFiles: [output])
    ]
  }
}
