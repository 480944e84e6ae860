"""Counts the pixels of given colours in a PNG (8-bit RGB or RGBA, not interlaced), to check that a
screenshot shows a chart and is not blank. Standard library only.

Usage: python3 png_colours.py FILE.png '#e69f00' '#0072b2' ...
Prints {"width": W, "height": H, "non_white": N, "colours": {"#e69f00": N, ...}}; a colour matches
within 8 per channel (anti-aliasing).
"""
import json
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    position, chunks, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack("!I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack("!IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace:
        sys.exit(f"{path}: only 8-bit RGB/RGBA, not interlaced (got depth {depth}, type {colour_type})")
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    previous = bytearray(stride)
    rows = []
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(line)
        previous = line
    return width, height, channels, rows


def main():
    path, wanted = sys.argv[1], sys.argv[2:]
    width, height, channels, rows = pixels(path)
    targets = {name: tuple(int(name[i:i + 2], 16) for i in (1, 3, 5)) for name in wanted}
    counts = {name: 0 for name in wanted}
    non_white = 0
    for line in rows:
        for x in range(width):
            r, g, b = line[x * channels:x * channels + 3]
            if (r, g, b) != (255, 255, 255):
                non_white += 1
            for name, (tr, tg, tb) in targets.items():
                if abs(r - tr) <= 8 and abs(g - tg) <= 8 and abs(b - tb) <= 8:
                    counts[name] += 1
    print(json.dumps({"width": width, "height": height, "non_white": non_white, "colours": counts}))


if __name__ == "__main__":
    main()
