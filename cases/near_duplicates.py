"""Near-duplicate Chinese text: normalisation, character 3-gram shingles, MinHash signatures and LSH.

Pure Python with no third-party packages. Campaign detection (cases/services/campaigns.py) clusters
posts with it, and the campaign page (cases/selectors/campaigns.py) shows the same exact similarity
the detection decided on, so what an analyst reads is what the machine used.

Why this design (timings in cases/services/campaigns.py's docstring):

* **Character 3-grams** need no word segmentation (jieba would add a dictionary and still miss the
  made-up words trolls use). Copies with a few words changed keep most 3-grams (Jaccard ≈ 0.5-0.9);
  two unrelated posts on the same topic share a few (≈ 0.0-0.2).
* **One-permutation MinHash** (Li, Owen & Zhang 2012): each 3-gram is hashed once, the hash's top bits
  choose one of ``BINS`` bins, and each bin keeps its smallest hash. Classic MinHash hashes every
  3-gram ``BINS`` times: 64× the work in pure Python. Every step of ``signature`` runs inside C
  (slicing, ``hash``, ``sorted``, ``dict``, ``map``); the first version, a Python loop per 3-gram,
  was about twice as slow.
* **8-bit values** per bin (b-bit minwise hashing, Li & König 2010): a signature is 64 bytes, and a
  chance agreement (1/256 per bin) barely moves the estimate. Short posts leave bins empty: an empty
  bin borrows a fixed donor bin's value (densification, Shrivastava 2017), which took spurious LSH
  candidates from 320,000 to 22,000 on 100,000 posts; a bin still empty is 0xFF, and the estimate
  ignores bins empty in both posts.
* **LSH banding**: ``BANDS`` bands of ``ROWS`` bins. Two posts become candidates when a whole band
  matches, with probability 1 - (1 - J⁴)¹⁶: 0.99 at J = 0.7, 0.65 at J = 0.5, 0.12 at J = 0.3, 0.002
  at J = 0.1. Each candidate is checked against its bucket's first post with the signature estimate,
  so a bucket of 300 copies costs 300 checks, not 45,000; clusters are then confirmed with the exact
  Jaccard of the 3-gram sets to a leader, the group's most typical copy (``leader_clusters``), which
  also stops chains A~B~C from joining A and C.
* ``hash()`` of bytes is SipHash, well mixed but salted per process (PYTHONHASHSEED). Signatures are
  only compared within one run; every decision that is stored or shown uses ``jaccard``, which is
  deterministic.
* datasketch's ``MinHashLSH`` (STACK.md) would do the same with numpy and scipy (~160 MB), and
  rapidfuzz is not installed: neither is needed at the measured speed.
"""

from __future__ import annotations

import random
import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from itertools import compress
from operator import and_, eq, itemgetter, ne

BINS = 64
ROWS = 4
BANDS = BINS // ROWS
SHINGLE = 3
# Texts shorter than this after normalisation carry too little to compare ("转发微博", "支持").
MIN_CHARS = 12
# Only the first MAX_CHARS characters are compared: enough for any post, bounded for long articles.
MAX_CHARS = 4000

_EMPTY = 0xFF
_EMPTY_BAND = bytes([_EMPTY]) * ROWS
# 3-grams are 12-byte slices of the UTF-32 text, precomputed once.
_SLICES = [slice(4 * i, 4 * i + 4 * SHINGLE) for i in range(MAX_CHARS)]
_BIN_OF_TOP_BYTE = bytes(byte % BINS for byte in range(256))
_BIN_NUMBERS = range(BINS)
# For each bin, the bins it borrows from when empty: fixed pseudo-random choices, the same in
# every process, and never the bin itself.
DONORS = 3
_DONORS = [
    [(j + 1 + random.Random(f"{level}:{j}").randrange(BINS - 1)) % BINS for j in range(BINS)] for level in range(DONORS)
]
_NO_HASH = [-1] * BINS  # -1 & 0xFF == _EMPTY
_BAND_SLICES = [itemgetter(slice(j * ROWS, (j + 1) * ROWS)) for j in range(BANDS)]

# What a troll varies between copies and what carries no meaning for similarity: URLs, @mentions,
# Weibo #话题#, Douyin/Xiaohongshu #话题 (up to the next space), Weibo emoticon codes such as [哈哈].
_NOISE = re.compile(
    r"(?:https?://|www\.)[!-~]+"
    r"|[@＠][^\s@＠:：,，。!！?？、;；()（）\[\]【】]{1,30}"
    r"|[#＃][^#＃\n]{1,60}[#＃]"
    r"|[#＃][^\s#＃]{1,30}"
    r"|\[[^\[\]\s]{1,8}\]",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[\W_]+")  # punctuation, whitespace, emoji and other symbols
_SPACES = re.compile(r"\s+")
# Emoji and pictographs are "So"; variation selectors and zero-width joiners are "Mn" and "Cf".
_SYMBOL_CATEGORIES = frozenset({"So", "Sk", "Cf", "Mn", "Cs", "Co"})


def normalise(text: str) -> str:
    """Return the comparable core of a post: no URLs, @mentions, #topics#, emoji, punctuation or spaces.

    NFKC folds full-width letters and digits (ＡＢＣ１２３) to ASCII so they match their half-width twins.
    It runs after the punctuation is gone, when most texts are already normal and a cheap check skips it.
    """
    core = _NON_WORD.sub("", _NOISE.sub(" ", text or ""))
    if not unicodedata.is_normalized("NFKC", core):
        core = _NON_WORD.sub("", unicodedata.normalize("NFKC", core))
    return core.lower()


def readable_core(text: str, limit: int = 40) -> str:
    """Return the post without URLs, @mentions, topics and emoji, spaces collapsed, cut to ``limit``."""
    text = "".join(ch for ch in _NOISE.sub(" ", text or "") if unicodedata.category(ch) not in _SYMBOL_CATEGORIES)
    text = _SPACES.sub(" ", text).strip(" ，,。.！!?？:：、")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _grams(core: str) -> map:
    raw = core[:MAX_CHARS].encode("utf-32-le")
    return map(raw.__getitem__, _SLICES[: max(min(len(core), MAX_CHARS) - SHINGLE + 1, 0)])


def shingle_set(core: str) -> set[bytes]:
    """Return the character 3-grams of a normalised text."""
    return set(_grams(core))


def shingles(text: str) -> set[bytes]:
    """Return the character 3-grams of a raw post (normalised first)."""
    return shingle_set(normalise(text))


def jaccard(a: set, b: set) -> float:
    """Return |a ∩ b| / |a ∪ b| (0.0 when either is empty)."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def signature(core: str) -> bytes | None:
    """Return the one-permutation MinHash signature of a normalised text, or None when it is too short.

    Sorting the hashes in descending order and building a dict keyed by bin keeps the last, that is
    the smallest, hash of each bin. ``array`` turns 64-bit integers into bytes in C, so picking each
    hash's bin and each bin's low byte needs no integer arithmetic in Python.
    """
    if len(core) < MIN_CHARS:
        return None
    hashes = sorted(map(hash, _grams(core)), reverse=True)
    # The top byte of each (little-endian) hash, folded to a bin number by a translation table.
    bins = array("q", hashes).tobytes()[7::8].translate(_BIN_OF_TOP_BYTE)
    mins = dict(zip(bins, hashes, strict=True))
    # Densification (Shrivastava 2017): an empty bin takes the minimum of a donor bin, trying
    # DONORS fixed donors in turn; the nested maps supply each level's default from the next.
    values: Iterable[int] = _NO_HASH
    for donors in reversed(_DONORS):
        values = map(mins.get, donors, values)
    # The low byte of each bin's minimum; -1 (no donor had a value either) gives 0xFF.
    return array("q", map(mins.get, _BIN_NUMBERS, values)).tobytes()[::8]


def estimate(a: bytes, b: bytes) -> float:
    """Return the share of bins on which two signatures agree, ignoring bins empty in both."""
    both_empty = bytes(map(and_, a, b)).count(_EMPTY)
    if both_empty >= BINS:
        return 0.0
    return (sum(map(eq, a, b)) - both_empty) / (BINS - both_empty)


class DisjointSet:
    """Union-find over 0 … n-1 with path halving; the smaller index becomes the root."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def candidate_groups(signatures: Sequence[bytes | None], *, threshold: float) -> list[list[int]]:
    """Return groups (2+ indices, ascending) of posts linked through LSH buckets.

    In every band, each post whose band key was seen before is checked against the bucket's first
    post (the lowest index: callers pass posts oldest first) and linked when the estimate reaches
    ``threshold``. Finding those posts is done in C; Python only touches the bucket followers.
    """
    size = len(signatures)
    present = [b"" if sig is None else sig for sig in signatures]
    sets = DisjointSet(size)
    linked = False
    indices = range(size)
    for band in _BAND_SLICES:
        keys = list(map(band, present))
        first = dict(zip(reversed(keys), reversed(indices), strict=True))
        first.pop(_EMPTY_BAND, None)  # short posts with this band empty agree on nothing
        first.pop(b"", None)  # posts without a signature
        firsts = list(map(first.get, keys))
        for index in compress(indices, map(ne, firsts, indices)):
            leader = firsts[index]
            if leader is not None and estimate(present[index], present[leader]) >= threshold:
                sets.union(index, leader)
                linked = True
    if not linked:
        return []
    groups: dict[int, list[int]] = {}
    for index in indices:
        groups.setdefault(sets.find(index), []).append(index)
    return [members for members in groups.values() if len(members) > 1]


def typicality(members: Sequence[int], shingle_sets: dict[int, set[bytes]], sample: int = 32) -> dict[int, float]:
    """Return each member's mean similarity to the first ``sample`` members (the oldest), itself excepted.

    Scoring against a fixed sample keeps the cost linear in the number of members.
    """
    pool = list(members[:sample])
    scores = {}
    for index in members:
        base = shingle_sets[index]
        others = [shingle_sets[other] for other in pool if other != index]
        scores[index] = sum(jaccard(base, other) for other in others) / len(others) if others else 0.0
    return scores


def representative(members: Sequence[int], shingle_sets: dict[int, set[bytes]]) -> int:
    """Return the most typical member, the first one on ties.

    The typical copy sits in the middle of the edits, so every other copy is closer to it than to
    an early outlier: detection compares with it, and the campaign page shows the same figure.
    """
    scores = typicality(members, shingle_sets)
    return max(members, key=lambda index: scores[index])  # max() keeps the first of equal scores


def leader_clusters(
    members: Sequence[int], shingle_sets: dict[int, set[bytes]], *, threshold: float, max_leaders: int = 50
) -> list[tuple[int, list[tuple[int, float]]]]:
    """Split a candidate group into clusters whose every member is similar to the cluster's leader.

    The leader is the most typical remaining member (scores computed once for the group); members
    not similar enough to it form the next cluster around the next leader, at most ``max_leaders``
    times. Clusters are (leader, [(member, exact Jaccard to the leader), …]), members in the order given.
    """
    scores = typicality(members, shingle_sets)
    clusters: list[tuple[int, list[tuple[int, float]]]] = []
    remaining = list(members)
    while len(remaining) > 1 and len(clusters) < max_leaders:
        leader = max(remaining, key=lambda index: scores[index])
        base = shingle_sets[leader]
        joined, rest = [], []
        for index in remaining:
            score = 1.0 if index == leader else jaccard(base, shingle_sets[index])
            if score >= threshold:
                joined.append((index, score))
            else:
                rest.append(index)
        clusters.append((leader, joined))
        remaining = rest
    return clusters
