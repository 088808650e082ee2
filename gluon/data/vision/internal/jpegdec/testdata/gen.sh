#!/bin/sh
# Regenerates the test JPEGs with libjpeg-turbo's cjpeg (Debian package
# libjpeg-turbo-progs): the sampling ratios, restart intervals, optimized
# Huffman tables and unsupported codings that image/jpeg's encoder cannot
# produce. Sources are a synthetic 67x45 picture (odd sizes: partial MCUs).
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import math, random, sys
w, h = 67, 45
rnd = random.Random(5)
rgb, gray = bytearray(), bytearray()
for y in range(h):
    for x in range(w):
        r = 128 + 100 * math.sin(x / 7) + rnd.randint(-20, 20)
        g = 2 * y + 40 * math.cos((x + y) / 5) + rnd.randint(-20, 20)
        b = 255 if (x - 40) ** 2 + (y - 20) ** 2 < 120 else 3 * x
        px = [max(0, min(255, int(v))) for v in (r, g, b)]
        rgb += bytes(px)
        gray.append(px[1])
open(sys.argv[1] + "/color.ppm", "wb").write(b"P6 %d %d 255\n" % (w, h) + rgb)
open(sys.argv[1] + "/gray.pgm", "wb").write(b"P5 %d %d 255\n" % (w, h) + gray)
PY
c="$tmp/color.ppm"
cjpeg -quality 85 -sample 1x1 "$c" >s444.jpg
cjpeg -quality 85 -sample 2x1 "$c" >s422.jpg
cjpeg -quality 85 -sample 1x2 "$c" >s440.jpg
cjpeg -quality 85 -sample 2x2 -restart 1 "$c" >s420_rst_row.jpg
cjpeg -quality 85 -sample 2x2 -restart 3B "$c" >s420_rst_3mcu.jpg
cjpeg -quality 75 -sample 1x1 -restart 1B "$c" >s444_rst_1mcu.jpg
cjpeg -quality 90 -optimize "$c" >s420_optimized.jpg
cjpeg -quality 100 -sample 1x1 "$c" >s444_q100.jpg
cjpeg -quality 5 "$c" >s420_q5.jpg
cjpeg -quality 85 -grayscale "$c" >gray_from_color.jpg
cjpeg -quality 85 -restart 2B "$tmp/gray.pgm" >gray_rst.jpg
cjpeg -quality 85 -progressive "$c" >unsupported_progressive.jpg
cjpeg -quality 85 -arithmetic "$c" >unsupported_arithmetic.jpg
cjpeg -quality 85 -rgb "$c" >unsupported_rgb.jpg
