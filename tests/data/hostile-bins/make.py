#!/usr/bin/env python3
"""Writes the hostile pytorch_model.bin files of this folder, one per case.

Every file is a zip of torch.save's layout (ARCHIVE/data.pkl, ARCHIVE/data/0,
ARCHIVE/version, ...), so that it passes the zip check (lib/io/zip_check.cpp)
and reaches libtorch's unpickler (lib/io/torch_pickle.cpp calls the reader
that torch::pickle_load calls). Files whose data.pkl is deflated to stay
small (the deep_* ones) are written with zipfile in the same layout.
What is hostile is what the archive holds: the pickle, or the storages that it
points to. tests/hostile_bin_test.cpp runs `deberta-bench info` on each.

Run with the venv's python (it needs torch for its zip writer):
  ~/.cache/deberta-bench/venv/bin/python tests/data/hostile-bins/make.py
The output is deterministic (no clock, a fixed random seed).
"""
import os
import pickle
import random
import struct
import sys
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def archive_records(name, pickle_bytes, storages):
    """The records of torch.save's layout, in its order, for archive `name`."""
    records = [
        ("data.pkl", pickle_bytes),
        (".format_version", b"1"),
        (".storage_alignment", b"64"),
        ("byteorder", b"little"),
    ]
    records += [("data/" + key, data) for key, data in storages.items()]
    return records


def write_bin(file, pickle_bytes, storages=None, deflate_pickle=False):
    """Writes FILE.bin with torch's own zip writer (aligned, zip64, version
    and serialization_id records as torch.save writes them), or, when the
    pickle is to be deflated, with zipfile in the same layout."""
    storages = storages or {}
    path = os.path.join(HERE, file)
    name = os.path.splitext(file)[0]
    if not deflate_pickle:
        writer = torch._C.PyTorchFileWriter(path)
        for record, data in archive_records(name, pickle_bytes, storages):
            writer.write_record(record, data, len(data))
        writer.write_end_of_file()
        return path
    with zipfile.ZipFile(path, "w") as z:
        for record, data in archive_records(name, pickle_bytes, storages):
            method = zipfile.ZIP_DEFLATED if record == "data.pkl" else zipfile.ZIP_STORED
            z.writestr(zipfile.ZipInfo(name + "/" + record, date_time=(1980, 1, 1, 0, 0, 0)), data,
                       compress_type=method, compresslevel=9 if method == zipfile.ZIP_DEFLATED else None)
        z.writestr(zipfile.ZipInfo(name + "/version", date_time=(1980, 1, 1, 0, 0, 0)), b"3\n")
    return path


# --- Pickles of tensors, written as torch.save writes them, with any fields.

class Storage:
    """Stands for a storage: pickled as torch.save's persistent id,
    ('storage', torch.FloatStorage, key, 'cpu', numel)."""

    def __init__(self, storage_type, key, numel, location="cpu"):
        self.storage_type, self.key, self.numel, self.location = storage_type, key, numel, location


class Tensor:
    """Pickled as torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, Ordered())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class Ordered:
    def __reduce__(self):
        import collections
        return (collections.OrderedDict, ())


class Sparse:
    """Pickled as libtorch's unpickler reads a sparse COO tensor:
    torch._utils._rebuild_sparse_tensor(layout 1, size, requires_grad, indices, values)."""

    def __init__(self, size, indices, values):
        self.args = (1, tuple(size), False, indices, values)

    def __reduce__(self):
        return (torch._utils._rebuild_sparse_tensor, self.args)


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.storage_type, obj.key, obj.location, obj.numel)
        return None


def dumps(obj):
    import io
    out = io.BytesIO()
    TorchPickler(out, protocol=2).dump(obj)
    return out.getvalue()


def floats(*values):
    return struct.pack("<%df" % len(values), *values)


FOUR = floats(1.0, 2.0, 3.0, 4.0)  # the 16 bytes of a 4-element float32 storage


def one_tensor(storage_type=torch.FloatStorage, numel=4, offset=0, size=(4,), stride=(1,), key="0", data=FOUR,
               name="w", location="cpu"):
    """A state dict {name: tensor} on one storage, and its storages."""
    pkl = dumps({name: Tensor(Storage(storage_type, key, numel, location), offset, size, stride)})
    return pkl, {"0": data}


# --- Pickles by hand (pickletools' opcode names).

PROTO2 = b"\x80\x02"


def long1_8(pkl, value):
    """`pkl` with every LONG1 of `value` in its shortest form (which libtorch
    refuses) written with 8 bytes, the only LONG1 length libtorch reads."""
    short = pickle.dumps(value, protocol=2)[2:-1]
    assert short[:1] == b"\x8a"
    return pkl.replace(short, b"\x8a\x08" + value.to_bytes(8, "little", signed=True))


def stale_newline_pickle(string_length):
    """A pickle of 256 + 11 bytes against the unpickler's 256-byte read
    buffer. The first 256 bytes hold "Storage\n" and then BINUNICODE of
    `string_length` bytes inside a harmless string, and end with GLOBAL's
    opcode; the last 11 bytes are "torch\nFloat". The unpickler refills its
    buffer with those 11 bytes, finds the newline after "Float" in what is
    left of the first 256 (class "FloatStorage"), and counts the bytes it
    has left as 11 - 19: it wraps, and every read after that is taken as
    inside the buffer."""
    payload = b"abcd" + b"Storage\n" + b"X" + struct.pack("<I", string_length)
    first = PROTO2 + b"X" + struct.pack("<I", len(payload)) + payload
    first += b"N" * (255 - len(first)) + b"c"
    assert len(first) == 256 and first[11:19] == b"Storage\n" and first[19:20] == b"X"
    return first + b"torch\nFloat"


def binunicode(text):
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def main():
    written = []

    def case(file, pickle_bytes, storages=None, **kw):
        written.append(write_bin(file, pickle_bytes, storages, **kw))

    rng = random.Random(20240601)
    good_pkl, good_storages = one_tensor()

    # data.pkl is 512 random bytes (seeded); data/0 is a good storage.
    case("random_bytes.bin", bytes(rng.randrange(256) for _ in range(512)), good_storages)
    # data.pkl is a good one-tensor state dict cut off halfway (no STOP).
    case("truncated_pickle.bin", good_pkl[: len(good_pkl) // 2], good_storages)
    # data.pkl is empty (0 bytes).
    case("empty_pickle.bin", b"", good_storages)
    # The pickle calls os.system("touch /tmp/deberta-bench-hostile-pwned") (GLOBAL 'os system', REDUCE).
    case("global_os_system.bin",
         PROTO2 + b"cos\nsystem\n" + binunicode("touch /tmp/deberta-bench-hostile-pwned") + b"\x85R.")
    # The pickle calls builtins.eval("__import__('os').system('touch ...')").
    case("global_builtins_eval.bin",
         PROTO2 + b"cbuiltins\neval\n" +
         binunicode("__import__('os').system('touch /tmp/deberta-bench-hostile-pwned')") + b"\x85R.")
    # The pickle builds an object of a class of a module that does not exist (GLOBAL 'evil_module Evil', REDUCE).
    case("unknown_class.bin", PROTO2 + b"}" + binunicode("w") + b"cevil_module\nEvil\n)Rs.")
    # A tensor of size [1000000] (stride 1) on a 4-element float32 storage: it reaches 3999984 bytes past the end.
    case("size_past_storage.bin", *one_tensor(size=(1000000,)))
    # The same in float16 (HalfStorage, 8 bytes): the harness converts float16 to float32 as it reads the weights.
    case("size_past_storage_fp16.bin", *one_tensor(storage_type=torch.HalfStorage, size=(1000000,),
                                                   data=struct.pack("<4e", 1, 2, 3, 4)))
    # A tensor of size [4] at storage offset 1000000 of a 4-element storage.
    case("offset_past_storage.bin", *one_tensor(offset=1000000))
    # A tensor of size [4] with stride [-1] at offset 0: elements 1..3 lie before the storage's start.
    case("negative_stride.bin", *one_tensor(stride=(-1,)))
    # A tensor of size [-4].
    case("negative_size.bin", *one_tensor(size=(-4,)))
    # A tensor of size [4] at storage offset -4.
    case("negative_offset.bin", *one_tensor(offset=-4))
    # A tensor of size [2**62]: its byte count (2**64) overflows int64.
    case("enormous_size.bin", *one_tensor(size=(2 ** 62,)))
    # A tensor of size [2**32, 2**32] (numel 2**64, which wraps to 0 in int64), strides [1, 1]; 8-byte LONG1s.
    pkl, storages = one_tensor(size=(2 ** 32, 2 ** 32), stride=(1, 1))
    case("numel_overflow.bin", long1_8(pkl, 2 ** 32), storages)
    # The storage says DoubleStorage of 4 elements (32 bytes); data/0 holds 16 bytes (4 float32).
    case("dtype_mismatch.bin", *one_tensor(storage_type=torch.DoubleStorage))
    # The storage type is a torch global that is not a storage type (torch.Tensor).
    case("storage_type_not_storage.bin", *one_tensor(storage_type=torch.Tensor))
    # The storage declares numel 2**62 float32: numel * 4 bytes overflows (wraps to 0); data/0 holds 16 bytes.
    case("storage_numel_overflow.bin", *one_tensor(numel=2 ** 62))
    # The storage's key is "7", and there is no data/7 in the archive (only data/0).
    case("missing_record.bin", *one_tensor(key="7"))
    # The storage declares 1000 float32 elements (4000 bytes); data/0 holds 16; the tensor is [1000].
    case("short_record.bin", *one_tensor(numel=1000, size=(1000,)))
    # The state dict's value is an int, not a tensor: {"w": 5}.
    case("value_not_tensor.bin", dumps({"w": 5}))
    # The state dict's key is an int: {1: tensor}.
    case("key_not_string.bin", *one_tensor(name=1))
    # The top-level object is a list [1, 2], not a dict.
    case("not_a_dict.bin", dumps([1, 2]))
    # A list nested 1000000 levels deep ([[[...]]]): 2 MB of EMPTY_LIST and APPEND, data.pkl deflated to 2 KB.
    depth = 1000000
    deep_list = b"]" * depth + b"a" * (depth - 1)
    case("deep_list.bin", PROTO2 + deep_list + b".", deflate_pickle=True)
    # The state dict's value is that list: {"w": [[[...]]]}.
    case("deep_value.bin", PROTO2 + b"}" + binunicode("w") + deep_list + b"s.", deflate_pickle=True)
    # The state dict's value is a tuple nested 1000000 levels deep: {"w": ((((),),),)}.
    case("deep_tuple.bin", PROTO2 + b"}" + binunicode("w") + b")" + b"\x85" * depth + b"s.", deflate_pickle=True)
    # The state dict's key is that tuple: {((((),),),): 1} (libtorch cannot hash a tuple key, and throws).
    case("deep_tuple_key.bin", PROTO2 + b"})" + b"\x85" * depth + b"K\x01s.", deflate_pickle=True)
    # That list, then an opcode that does not exist (0xff): the unpickler fails with the list on its stack.
    case("deep_list_then_error.bin", PROTO2 + deep_list + b"\xff", deflate_pickle=True)
    # BINGET 5 when the memo is empty.
    case("binget_missing_memo.bin", PROTO2 + b"h\x05.")
    # LONG_BINGET 0xFFFFFFFF when the memo is empty.
    case("long_binget_huge.bin", PROTO2 + b"j\xff\xff\xff\xff.")
    # LONG_BINPUT 0xFFFFFFF0 of an empty dict: the memo grows to 4 billion entries (64 GB), then STOP.
    case("long_binput_huge.bin", PROTO2 + b"}r\xf0\xff\xff\xff.")
    # LONG_BINPUT 0x10000000 of an empty dict: the memo grows to 268 million entries (4.3 GB), then STOP.
    case("long_binput_256m.bin", PROTO2 + b"}r\x00\x00\x00\x10.")
    # GLOBAL's name runs to a stale newline left in the unpickler's 256-byte buffer; a BINUNICODE of 16 MB follows.
    case("stale_buffer_overread.bin", stale_newline_pickle(16 << 20))
    # The same with a BINUNICODE of 1 KB: the unpickler copies 1 KB from beyond its buffer into a string.
    case("stale_buffer_leak.bin", stale_newline_pickle(1024))
    # The storage declares 0 elements (no data/ entry is read); the tensor is [1000] on it.
    case("storage_numel_zero.bin", *one_tensor(numel=0, size=(1000,)))
    # The storage's location is "cuda"; it declares 1000 float32 elements (4000 bytes); data/0 holds 16.
    case("location_cuda.bin", *one_tensor(numel=1000, size=(1000,), location="cuda"))
    # The storage's location is "meta"; it declares 1000 float32 elements (4000 bytes); data/0 holds 16.
    case("location_meta.bin", *one_tensor(numel=1000, size=(1000,), location="meta"))
    # A sparse COO tensor of size [4] whose one index is 1000000 (_rebuild_sparse_tensor, unchecked).
    sparse = Sparse((4,), Tensor(Storage(torch.LongStorage, "0", 1), 0, (1, 1), (1, 1)),
                    Tensor(Storage(torch.FloatStorage, "1", 1), 0, (1,), (1,)))
    case("sparse_bad_index.bin", dumps({"w": sparse}), {"0": struct.pack("<q", 1000000), "1": floats(1.0)})

    for path in written:
        size = os.path.getsize(path)
        zipfile.ZipFile(path).testzip()
        print(f"{os.path.basename(path)}: {size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
