"""PyTorch/torchvision peer of `mxgo bench dataloader` (internal/bench/dataloader.go).

Run as: /usr/bin/python3 bench/dataloader_torch.py [path/to/images.rec]
The default .rec is $TMPDIR/mxgo-bench-dataloader/images.rec, which the Go
benchmark writes on its first run (512 JPEGs, 500x375). The JPEG payloads are
exported to a temporary folder and read back by a torchvision pipeline doing
the same work: PIL decode, RandomResizedCrop(224), RandomHorizontalFlip,
ToTensor, Normalize, batches of 32, shuffled, with 1 and 2 DataLoader worker
processes. Prints two JSON lines per setting, like the Go benchmark:
{"name": "torch_dataloader_wN", "value": images/s, "unit": "images/s"} and
{"name": "torch_dataloader_wN_cpu", "value": ms, "unit": "ms/image"}, the CPU
time (user+system) of the main process and its worker processes per image:
each the median of 3 epochs after a warm-up.
"""
import json
import os
import statistics
import struct
import sys
import tempfile
import time

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

MAGIC = 0xCED7230A


def read_rec(path):
    """Yields the payloads of a dmlc RecordIO file (joining split records)."""
    with open(path, "rb") as f:
        buf = f.read()
    off, parts = 0, []
    while off + 8 <= len(buf):
        magic, lrec = struct.unpack_from("<II", buf, off)
        if magic != MAGIC:
            raise ValueError(f"{path}: bad magic at offset {off}")
        cflag, n = lrec >> 29, lrec & ((1 << 29) - 1)
        parts.append(buf[off + 8 : off + 8 + n])
        off += 8 + n + (-n % 4)
        if cflag in (0, 3):
            yield struct.pack("<I", MAGIC).join(parts)
            parts = []


def export(rec, folder):
    paths = []
    for i, record in enumerate(read_rec(rec)):
        flag = struct.unpack_from("<I", record, 0)[0]
        jpeg = record[24 + 4 * flag :]
        p = os.path.join(folder, f"{i:05d}.jpg")
        with open(p, "wb") as f:
            f.write(jpeg)
        paths.append((p, i % 10))
    return paths


class Files(Dataset):
    def __init__(self, items, tf):
        self.items, self.tf = items, tf

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        path, label = self.items[i]
        with open(path, "rb") as f:
            img = Image.open(f).convert("RGB")
        return self.tf(img), label


def proc_cpu(pids):
    """User+system CPU seconds used so far by the given processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def rate(items, workers):
    tf = transforms.Compose([
        transforms.RandomResizedCrop(224),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    loader = DataLoader(Files(items, tf), batch_size=32, shuffle=True, num_workers=workers,
                        persistent_workers=True, prefetch_factor=2)

    def epoch():
        for x, _ in loader:
            pass

    epoch()  # warm-up: worker start, page cache
    pids = [os.getpid()] + [w.pid for w in loader._iterator._workers]
    times, cpus = [], []
    for _ in range(3):
        c0, t0 = proc_cpu(pids), time.perf_counter()
        epoch()
        times.append(time.perf_counter() - t0)
        cpus.append(proc_cpu(pids) - c0)
    return len(items) / statistics.median(times), 1000 * statistics.median(cpus) / len(items)


def main():
    rec = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.gettempdir(), "mxgo-bench-dataloader", "images.rec")
    if not os.path.exists(rec):
        sys.exit(f"{rec} not found: run `mxgo bench dataloader` first")
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as folder:
        items = export(rec, folder)
        for workers in (1, 2):
            ips, cpu = rate(items, workers)
            print(json.dumps({"name": f"torch_dataloader_w{workers}", "value": round(ips, 1), "unit": "images/s"}))
            print(json.dumps({"name": f"torch_dataloader_w{workers}_cpu", "value": round(cpu, 3), "unit": "ms/image"}),
                  flush=True)


if __name__ == "__main__":
    main()
