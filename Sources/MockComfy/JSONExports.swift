// The mock's prompts, messages and bodies are `FaultlineJSON.JSONValue`, shared with the client and the control API.
@_exported import FaultlineJSON
