"""Reference outputs for the transforms tests (run from this directory).

/usr/bin/python3 gen_transforms.py writes:
  photo.png         a 40x30 synthetic photo-like RGB image (the test input)
  photo444.jpg      the same image as a 4:4:4 JPEG (quality 92) for decoder tests
  ref.json.gz       (about 50 KB) {name: {"shape": [...], "dtype": "uint8"|"float32", "data": base64 LE bytes}}
References come from torchvision 0.14 / PIL on the same pixels; float paths
use torch.nn.functional directly so no extra rounding is involved.
"""
import base64
import gzip
import io
import json

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF
from PIL import Image

W, H = 40, 30


def photo():
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    img = np.zeros((H, W, 3))
    img[..., 0] = 200 * x / W + 30           # red rises to the right
    img[..., 1] = 180 * y / H + 40           # green rises downwards
    img[..., 2] = 120 + 80 * np.sin(x / 5.0) * np.cos(y / 4.0)
    for cx, cy, r, col in [(12, 10, 6, (250, 240, 40)), (30, 20, 8, (20, 60, 200)), (25, 6, 4, (240, 30, 90))]:
        m = (x - cx) ** 2 + (y - cy) ** 2 <= r * r
        img[m] = col
    img += rng.normal(0, 6, img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


refs = {}


def put(name, a):
    a = np.ascontiguousarray(a)
    assert a.dtype in (np.uint8, np.float32), (name, a.dtype)
    refs[name] = {"shape": list(a.shape), "dtype": str(a.dtype), "data": base64.b64encode(a.tobytes()).decode()}


def chw_float(img):
    return torch.from_numpy(img).permute(2, 0, 1).float()


def to_u8(t):  # CHW float (0..255) -> HWC uint8, rounded half to even and clamped
    return torch.round(t).clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()


def main():
    img = photo()
    Image.fromarray(img).save("photo.png", optimize=True)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=92, subsampling=0)
    open("photo444.jpg", "wb").write(buf.getvalue())
    put("jpeg_decoded_pil", np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB")))

    x = chw_float(img)[None]  # 1,C,H,W float 0..255
    for name, (ow, oh) in {"down": (23, 17), "up": (57, 41)}.items():
        bil = F.interpolate(x, size=(oh, ow), mode="bilinear", align_corners=False)[0]
        if name == "down":
            put(f"resize_bilinear_{name}_f32", bil.permute(1, 2, 0).numpy())
        put(f"resize_bilinear_{name}_u8", to_u8(bil))
        cub = F.interpolate(x, size=(oh, ow), mode="bicubic", align_corners=False)[0]
        put(f"resize_bicubic_{name}_u8", to_u8(cub))
        near = F.interpolate(x, size=(oh, ow), mode="nearest")[0]
        put(f"resize_nearest_{name}_u8", to_u8(near))
    area = F.adaptive_avg_pool2d(x, (15, 20))[0]  # integer factor 2: a plain box average
    put("resize_area_half_u8", to_u8(area))

    t = torch.from_numpy(img).permute(2, 0, 1)  # uint8 CHW
    put("center_crop_20x14", TF.center_crop(t, [14, 20]).permute(1, 2, 0).numpy())
    put("crop_x5_y3_w17_h11", img[3:14, 5:22])
    put("flip_lr", img[:, ::-1])
    put("flip_tb", img[::-1])

    tensor = TF.to_tensor(Image.fromarray(img))  # CHW float32 /255
    # Float outputs are kept small: the first 6 rows of each channel, or
    # quantized to 1/255 steps (tests allow that much).
    put("to_tensor_rows6", tensor[:, :6].numpy())
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    put("normalize_rows6", TF.normalize(tensor, mean, std)[:, :6].numpy())
    q = lambda t: torch.round(t * 255).clamp(0, 255).to(torch.uint8).numpy()
    put("rotate_30_q255", q(TF.rotate(tensor, 30.0, interpolation=TF.InterpolationMode.BILINEAR)))
    put("rotate_m75_q255", q(TF.rotate(tensor, -75.0, interpolation=TF.InterpolationMode.BILINEAR)))

    f01 = chw_float(img) / 255  # float in [0,1]: torchvision's exact float paths
    to255 = lambda t: to_u8(t * 255)
    put("brightness_1.3", to255(TF.adjust_brightness(f01, 1.3)))
    put("contrast_0.6", to255(TF.adjust_contrast(f01, 0.6)))
    put("saturation_1.7", to255(TF.adjust_saturation(f01, 1.7)))
    put("saturation_0.3", to255(TF.adjust_saturation(f01, 0.3)))
    put("hue_0.2", to255(TF.adjust_hue(f01, 0.2)))
    put("hue_m0.35", to255(TF.adjust_hue(f01, -0.35)))

    with gzip.GzipFile("ref.json.gz", "wb", mtime=0) as f:
        f.write(json.dumps(refs, sort_keys=True).encode())


if __name__ == "__main__":
    main()
