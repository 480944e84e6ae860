"""The flow of ComfyUI's own script_examples/websockets_api_example.py, written against the protocol.

Posts the default workflow with its own prompt_id and client_id, waits on the WebSocket for `executing`
with `node: None` and that prompt_id, reads /history/{prompt_id} and fetches every output image from /view.
Exits 0 and prints a JSON summary when all of that worked; any deviation raises.

Usage: python3 comfy_example_client.py HOST:PORT
"""
import json
import struct
import sys
import urllib.parse
import urllib.request
import uuid

import websocket  # websocket-client, as the example uses
import zlib

SERVER = sys.argv[1]
CLIENT_ID = str(uuid.uuid4())

PROMPT = json.loads("""
{
    "3": {"class_type": "KSampler", "inputs": {"cfg": 8, "denoise": 1, "latent_image": ["5", 0], "model": ["4", 0],
          "negative": ["7", 0], "positive": ["6", 0], "sampler_name": "euler", "scheduler": "normal", "seed": 8566257,
          "steps": 20}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 512, "width": 512}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "masterpiece best quality girl"}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "bad hands"}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}}
}
""")


def queue_prompt(prompt, prompt_id):
    p = {"prompt": prompt, "client_id": CLIENT_ID, "prompt_id": prompt_id}
    data = json.dumps(p).encode("utf-8")
    req = urllib.request.Request("http://{}/prompt".format(SERVER), data=data)
    return json.loads(urllib.request.urlopen(req).read())


def get_image(filename, subfolder, folder_type):
    data = {"filename": filename, "subfolder": subfolder, "type": folder_type}
    url_values = urllib.parse.urlencode(data)
    with urllib.request.urlopen("http://{}/view?{}".format(SERVER, url_values)) as response:
        return response.read()


def get_history(prompt_id):
    with urllib.request.urlopen("http://{}/history/{}".format(SERVER, prompt_id)) as response:
        return json.loads(response.read())


def get_images(ws, prompt):
    prompt_id = str(uuid.uuid4())
    answer = queue_prompt(prompt, prompt_id)
    assert answer["prompt_id"] == prompt_id, answer
    output_images = {}
    seen_types = []
    while True:
        out = ws.recv()
        if isinstance(out, str):
            message = json.loads(out)
            seen_types.append(message["type"])
            if message["type"] == "executing":
                data = message["data"]
                if data["node"] is None and data["prompt_id"] == prompt_id:
                    break  # Execution is done
        else:
            continue  # previews are binary data

    history = get_history(prompt_id)[prompt_id]
    for node_id in history["outputs"]:
        node_output = history["outputs"][node_id]
        images_output = []
        if "images" in node_output:
            for image in node_output["images"]:
                image_data = get_image(image["filename"], image["subfolder"], image["type"])
                images_output.append(image_data)
        output_images[node_id] = images_output
    return prompt_id, output_images, seen_types, history


def decode_png(data):
    """Checks a PNG independently of the server's encoder: signature, chunk CRCs, zlib stream, pixel count.
    Returns (width, height)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    position, idat, width, height = 8, b"", None, None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        assert zlib.crc32(kind + body) == crc, "bad CRC in chunk {}".format(kind)
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 2), (depth, colour)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
        if kind == b"IEND":
            break
    pixels = zlib.decompress(idat)
    assert len(pixels) == height * (1 + width * 3), (len(pixels), width, height)
    return width, height


def main():
    ws = websocket.WebSocket()
    ws.connect("ws://{}/ws?clientId={}".format(SERVER, CLIENT_ID))
    prompt_id, images, seen_types, history = get_images(ws, PROMPT)
    ws.close()
    assert history["status"]["status_str"] == "success", history["status"]
    assert images.get("9"), images
    sizes = [decode_png(image) for node_images in images.values() for image in node_images]
    print(json.dumps({
        "prompt_id": prompt_id,
        "images": {node: [len(i) for i in imgs] for node, imgs in images.items()},
        "sizes": sizes,
        "first_message": seen_types[0],
        "message_count": len(seen_types),
    }))


if __name__ == "__main__":
    main()
