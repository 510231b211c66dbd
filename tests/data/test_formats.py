"""IDX and CSV readers on small files written in the real formats."""
import gzip

import numpy as np
import pytest

from neuronet.data import DataFormatError, read_idx, read_label_csv

from .idx_files import write_idx


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip(tmp_path, gz):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    got = read_idx(write_idx(tmp_path / "x.idx", images, gz))
    np.testing.assert_array_equal(got, images)
    labels = np.array([3, 1, 4], dtype=np.uint8)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "y.idx", labels, gz)), labels)


def test_idx_big_endian_int32(tmp_path):
    values = np.array([[1, -2], [70000, 5]], dtype=">i4")
    raw = bytes([0, 0, 0x0C, 2]) + (2).to_bytes(4, "big") * 2 + values.tobytes()
    (tmp_path / "i.idx").write_bytes(raw)
    np.testing.assert_array_equal(read_idx(tmp_path / "i.idx"), [[1, -2], [70000, 5]])


def test_idx_errors_name_the_problem(tmp_path):
    (tmp_path / "bad.idx").write_bytes(b"\x12\x34\x08\x01")
    with pytest.raises(DataFormatError, match="bad magic number"):
        read_idx(tmp_path / "bad.idx")
    short = bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + bytes(5)
    (tmp_path / "short.idx.gz").write_bytes(gzip.compress(short))
    with pytest.raises(DataFormatError, match=r"shape \(10,\).*holds 5 data bytes"):
        read_idx(tmp_path / "short.idx.gz")


def test_label_csv_with_and_without_header(tmp_path):
    rows = np.random.default_rng(0).integers(0, 256, (3, 5))
    rows[:, 0] = [7, 0, 2]
    body = "\n".join(",".join(map(str, r)) for r in rows)
    (tmp_path / "a.csv").write_text("label,p1,p2,p3,p4\n" + body + "\n")
    (tmp_path / "b.csv").write_text(body)
    for name in ("a.csv", "b.csv"):
        images, labels = read_label_csv(tmp_path / name, image_shape=(2, 2))
        assert labels.tolist() == [7, 0, 2] and images.dtype == np.uint8
        np.testing.assert_array_equal(images.reshape(3, 4), rows[:, 1:])


def test_label_csv_wrong_width_or_values(tmp_path):
    (tmp_path / "w.csv").write_text("1,2,3\n")
    with pytest.raises(DataFormatError, match="expected 5 columns"):
        read_label_csv(tmp_path / "w.csv", image_shape=(2, 2))
    (tmp_path / "v.csv").write_text("1,2,3,4,999\n")
    with pytest.raises(DataFormatError, match="0..255"):
        read_label_csv(tmp_path / "v.csv", image_shape=(2, 2))
