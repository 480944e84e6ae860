#!/usr/bin/env node
// The example client as a program for `faultline compare --client`: it connects to the URL it is
// given (or $COMFY_URL), keeps a prompt of its own running, reconnects after a failure, and prints
// its own view as the JSON lines compare reads (docs/other-languages.md, "The client's own view").
//   faultline compare --client 'node clients/javascript/examples/compare-client.mjs {url}'
import { MiniComfyClient, textToImage } from "./mini-comfy-client.mjs";

const url = process.argv[2] ?? process.env.COMFY_URL;
if (!url) {
  console.error("usage: compare-client.mjs URL (or COMFY_URL)");
  process.exit(2);
}
const say = (event, fields = {}) => console.log(JSON.stringify({ event, ...fields }));
const client = new MiniComfyClient(url, { autoReconnect: true, silenceTimeout: 1500, maxDelay: 500 });

async function submit() {
  try {
    const promptId = await client.queuePrompt(textToImage());
    say("prompt_queued", { prompt_id: promptId });
    await client.waitForPrompt(promptId, 60_000);
    say("prompt_done", { prompt_id: promptId });
  } catch (error) {
    say("prompt_failed", { detail: String(error.message ?? error) });
  }
}

client.on("disconnected", (reason) => say("disconnected", { detail: reason }));
client.on("reconnected", () => {
  say("reconnected", { client_id: client.clientId });
  submit();
});
for (;;) {
  try {
    await client.connect();
    break;
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
say("connected", { client_id: client.clientId });
submit();
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    client.destroy();
    process.exit(0);
  });
}
