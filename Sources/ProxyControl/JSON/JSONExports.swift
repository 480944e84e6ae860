// The control API's request and response bodies are `FaultlineJSON.JSONValue`, shared with the client.
@_exported import FaultlineJSON
