"""Kafka's default partitioner (murmur2 of the key), computed a word at a time.

aiokafka's default partitioner hashes the key byte by byte in Python, which costs more
than encoding the whole event. This one reads four bytes per step with ``struct`` and
gives the same partition for every key (a test compares them), so records keep landing
where every other producer of the topic puts the same escalation id.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Sequence

_SEED = 0x9747B28C
_M = 0x5BD1E995
_MASK = 0xFFFFFFFF
_WORDS = struct.Struct("<I")


def murmur2(data: bytes) -> int:
    """Return the 32-bit MurmurHash2 of ``data`` as Kafka's Java client computes it."""
    length = len(data)
    whole = length & ~3
    h = _SEED ^ length
    for (k,) in _WORDS.iter_unpack(data[:whole]):
        k = (k * _M) & _MASK
        k ^= k >> 24
        h = ((h * _M) & _MASK) ^ ((k * _M) & _MASK)
    extra = length & 3
    if extra:
        if extra == 3:
            h ^= data[whole + 2] << 16
        if extra >= 2:
            h ^= data[whole + 1] << 8
        h = ((h ^ data[whole]) * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    return h ^ (h >> 15)


def partition_of(key: bytes | None, all_partitions: Sequence[int], available: Sequence[int]) -> int:
    """Pick a partition as aiokafka's ``DefaultPartitioner`` does (a producer's partitioner)."""
    if key is None:
        return random.choice(available or all_partitions)  # spreads records over partitions
    return all_partitions[(murmur2(key) & 0x7FFFFFFF) % len(all_partitions)]
