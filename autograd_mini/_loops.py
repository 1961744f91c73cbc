"""Repeated blocks of a traced graph written once, as a loop over the copies.

A batch's loss repeats one sample's subgraph per sample: the straight-line code repeats
its lines per sample too, and CPython's ``compile()`` spends about 8 µs a node on them.
Here the compiler's own lines are cut into blocks of nodes; when every block's lines are
the same text once each node's name is made relative to its block, the blocks are
written once, as a ``for`` loop over their inputs and checks (forward) and over the
values the backward reads, saved per block (backward, in the eager order: last block
first). Equal text means the same operations in the same order, so results stay bit for
bit the straight-line code's; anything else (a block that differs, a name read outside
the loop that the loop does not leave behind) keeps the straight-line code.

A node's name in a block's text is one of: its own block's (``vb12``), the block before's
(``vp12``, carried forward), the block after's (``vn12``, carried backward), or any other
node's absolute name (``v12``), which must then be the same node in every block.
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from .engine import Value

MIN_LOOP_NODES = 2_000  # fewer nodes than this in the loop: straight-line code is cheap enough
MIN_LOOP_BLOCKS = 3
MIN_BLOCK_LENGTH = 16  # a turn of the loop costs about what a few ops do: shorter blocks stay straight
MAX_PERIODS = 8  # candidate block lengths tried
GAPS_SEEN = 64  # copies of an op kind looked at for its usual gap

_NAME = re.compile(r"\b([vg])(\d+)\b")
_SLOT = re.compile(r"\b(I|_K)\[(\d+)\]")
_AFTER_NAME = re.compile(r"\b[vg]$")  # what precedes a number in a name, a slot (below)
_AFTER_SLOT = re.compile(r"\b(I|_K)\[$")
_RAISE = ": raise ValueError("  # the compiler's check lines: a message follows, never renamed


@dataclass
class Layout:
    """``count`` blocks of ``length`` nodes from place ``start`` of the order; ``first..last`` loop."""

    start: int
    length: int
    count: int
    first: int = 0
    last: int = -1
    forward_starts: list[int] = field(default_factory=list)  # line of each block's forward; count + 1
    backward_starts: list[int] = field(default_factory=list)  # line where each block's backward starts
    backward_ends: list[int] = field(default_factory=list)
    running: dict[Value, str] = field(default_factory=dict)  # outer gradients summed inside the loop
    slot_values: dict[int, tuple[int, ...]] = field(default_factory=dict)  # each block's inputs, checks
    crossing: set[Value] = field(default_factory=set)  # nodes read from another block: named both ways

    def place(self, block: int) -> int:
        """The place in the order of block's first node."""
        return self.start + block * self.length

    @property
    def loop_start(self) -> int:
        return self.place(self.first)


# -- finding the blocks: a stretch of the order whose op kinds repeat with one period ---------


def find_layout(order: list[Value], kinds: Sequence[object], index: dict[Value, int]) -> Layout | None:
    """The longest stretch of ``order`` made of repeated blocks (by op kind), or None.

    ``index`` gives each node's place in ``order``.
    """
    codes = list(map(id, kinds))  # kinds are shared objects: one per op and operand kinds
    best: tuple[tuple[int, int], int, int, int] | None = None
    for period in _candidate_periods(codes):
        if period < MIN_BLOCK_LENGTH:
            continue
        flags = bytes(map(operator.eq, codes, codes[period:]))
        runs = [m.span() for m in re.finditer(b"\x01+", flags)]
        if not runs:
            continue
        begin, end = max(runs, key=lambda span: span[1] - span[0])
        covered = end - begin + period
        if covered // period < MIN_LOOP_BLOCKS or covered < MIN_LOOP_NODES:
            continue
        key = (covered, -period)
        if best is None or key > best[0]:
            best = (key, begin, end + period, period)
        if covered > 0.9 * len(codes):
            break  # no other period can do much better
    if best is None:
        return None
    _, begin, end, period = best
    start = _aligned_start(order, index, begin, end, period)
    return Layout(start, period, (end - start) // period)


def _candidate_periods(codes: list[int]) -> Iterator[int]:
    """Block lengths worth trying: the usual gap between copies of the rarest repeated op kinds.

    An op a block holds once (a sample's loss) repeats with the block's length exactly.
    """
    counts = Counter(codes)
    rare = sorted((times, code) for code, times in counts.items() if times > MIN_LOOP_BLOCKS)
    tried: set[int] = set()
    for _, code in rare[:MAX_PERIODS]:
        places, place = [], -1
        for _ in range(min(counts[code], GAPS_SEEN)):  # the usual gap shows in the first copies
            place = codes.index(code, place + 1)
            places.append(place)
        gap = Counter(map(operator.sub, places[1:], places)).most_common(1)[0][0]
        if gap not in tried:
            tried.add(gap)
            yield gap


def _aligned_start(order: list[Value], index: dict[Value, int], begin: int, end: int, period: int) -> int:
    """Where to cut the periodic stretch into blocks: the cut fewest reads cross.

    Any cut of a periodic stretch gives equal blocks; one between samples leaves the fewest
    values to carry from block to block.
    """
    if end - begin < 3 * period:
        return begin
    crossing = [0] * (3 * period + 1)  # by cut, a difference array: reads from before it to after
    for place in range(begin + period, begin + 3 * period):
        node = order[place]
        for operand in (node._a, node._b):
            source = index[operand] if operand.__class__ is Value else -1
            if begin <= source < place:
                crossing[source + 1 - begin] += 1
                crossing[place + 1 - begin] -= 1
    best, best_cut, running = None, begin, 0
    for cut in range(begin, begin + 2 * period):
        running += crossing[cut - begin]
        if cut >= begin + period and (best is None or running < best):
            best, best_cut = running, cut
    return best_cut - period


def crossing_reads(
    order: list[Value], kinds: Sequence[object], index: dict[Value, int], layout: Layout
) -> set[Value]:
    """Op nodes read from another block (or after the blocks): each needs a name of its own.

    An inlined one would put its code into the reader's block, and blocks would differ. Which
    of a block's nodes the next block reads is found on one block and named in all of them: a
    block that reads others differs anyway.
    """
    start, length, count = layout.start, layout.length, layout.count
    end = layout.place(count)
    carried: set[int] = set()  # places in a block that the block after reads
    named: set[Value] = set()
    for place in [*range(start + length, start + 2 * length), *range(end, len(order))]:
        node = order[place]
        if kinds[place] is None:
            continue
        for operand in (node._a, node._b):
            if operand.__class__ is Value:
                source = index[operand]
                if kinds[source] is None or source < start:
                    continue
                if place >= end and source < end:
                    named.add(operand)
                elif place < end and source < start + length:
                    carried.add(source - start)
    named.update(order[layout.place(block) + offset] for block in range(count) for offset in carried)
    return named


# -- comparing the blocks' code ---------------------------------------------------------


_ASCII_DIGITS = re.compile(r"[0-9]+")
_RUN = "\x00"  # marks where a number was: repr() escapes it, so no generated line holds one
_DIGITS_TO_RUN = str.maketrans("0123456789", _RUN * 10)
_ALL_BUT_DIGITS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isdigit()})


class _Numbers:
    """A block's code split into its text without numbers and its numbers as written.

    Made with str.translate and str.split, not a regular expression: these run through the
    whole code of a graph, and are several times faster.
    """

    def __init__(self, text: str) -> None:
        # Each digit marked: where two blocks' numbers have as many digits (nearly always), equal
        # marks mean equal skeletons, without the skeleton's passes to merge a number's marks.
        self.marks = text.translate(_DIGITS_TO_RUN)
        self._skeleton: str | None = None
        # a message may hold other characters than ASCII: split on the digits' runs then
        self.runs = text.translate(_ALL_BUT_DIGITS).split() if text.isascii() else _ASCII_DIGITS.findall(text)

    @property
    def skeleton(self) -> str:
        """The text with one mark for each number, whatever its digits."""
        if self._skeleton is None:
            skeleton = self.marks
            while _RUN + _RUN in skeleton:
                skeleton = skeleton.replace(_RUN + _RUN, _RUN)
            self._skeleton = skeleton
        return self._skeleton

    def same_text_around_numbers(self, other: _Numbers) -> bool:
        """Whether the two texts are equal once each number is blanked (equal marks say so at once)."""
        return self.marks == other.marks or self.skeleton == other.skeleton


Picker = Callable[[list[str]], tuple[str, ...]]


def _picker(places: list[int]) -> Picker:
    """A function returning the items at ``places`` of a list, as a tuple (itemgetter's speed)."""
    if len(places) > 1:
        return operator.itemgetter(*places)
    return lambda items: tuple(items[place] for place in places)


@dataclass
class _Pattern:
    """What a block's numbers must be for the block to be the same code as the one before.

    From the first block of a run: a name within a block of its own (the block's, the one
    before, the one after) moves on by a block's length; a slot (an input, a check) may be
    anything; every other number (other names, a literal's digits) stays as written, so
    0.05 is not 0.5.
    """

    moving: Picker
    slots: Picker
    fixed: Picker

    @classmethod
    def of(cls, first: _Numbers, base: int, length: int) -> _Pattern:
        moving: list[int] = []
        slots: list[int] = []
        fixed: list[int] = []
        cuts = first.skeleton.split(_RUN)
        for place, number in enumerate(map(int, first.runs)):
            before = cuts[place][-4:]
            if _AFTER_NAME.search(before) and -length <= number - base < 2 * length:
                moving.append(place)
            else:
                (slots if _AFTER_SLOT.search(before) else fixed).append(place)
        return cls(_picker(moving), _picker(slots), _picker(fixed))

    def names(self, block: _Numbers) -> list[int]:
        return list(map(int, self.moving(block.runs)))

    def slot_values(self, block: _Numbers) -> tuple[int, ...]:
        return tuple(map(int, self.slots(block.runs)))


def _longest_equal_run(
    layout: Layout, texts: Iterator[str], lo: int
) -> tuple[tuple[int, int], dict[int, tuple[int, ...]]]:
    """The longest run of consecutive blocks from ``lo`` whose code is the same, as (first, last).

    Each block is compared with the one before by the first block's ``_Pattern``: the code
    the loop will be written from. The texts are read one at a time (a big graph's code is
    not copied whole). Also returns each block's slot values (its inputs' and checks' numbers).
    """
    best, start = (lo, lo), lo
    before = _Numbers(next(texts))
    pattern = _Pattern.of(before, layout.place(lo), layout.length)
    names_before = pattern.names(before)
    moved = [layout.length] * len(names_before)
    slot_values = {lo: pattern.slot_values(before)}
    for k, text in enumerate(texts, lo + 1):
        block = _Numbers(text)
        same = len(block.runs) == len(before.runs) and block.same_text_around_numbers(before)
        names = pattern.names(block) if same else []
        same = same and pattern.fixed(block.runs) == pattern.fixed(before.runs)
        same = same and list(map(operator.sub, names, names_before)) == moved
        if not same:
            start = k
            pattern = _Pattern.of(block, layout.place(k), layout.length)
            names = pattern.names(block)
            moved = [layout.length] * len(names)
        elif k - start > best[1] - best[0]:
            best = (start, k)
        slot_values[k] = pattern.slot_values(block)
        before, names_before = block, names
    return best, slot_values


def choose_loop(layout: Layout, forward: list[str]) -> bool:
    """Set ``first..last`` to the longest run of blocks whose forward code is the same."""
    starts = layout.forward_starts
    texts = ("\n".join(forward[starts[k] : starts[k + 1]]) for k in range(layout.count))
    (layout.first, layout.last), layout.slot_values = _longest_equal_run(layout, texts, 0)
    return _enough(layout)


def _enough(layout: Layout) -> bool:
    blocks = layout.last - layout.first + 1
    return blocks >= MIN_LOOP_BLOCKS and blocks * layout.length >= MIN_LOOP_NODES


def narrow_to_backward(layout: Layout, backward: list[str]) -> bool:
    """Narrow ``first..last`` to the longest run whose backward code is the same too; enough left?

    The code outside the new run stays right as it is: it sums the running gradients a term
    at a time from the old run's last block on, which adds the same numbers in the same order.
    """
    texts = (_backward_text(layout, backward, k) for k in range(layout.first, layout.last + 1))
    (layout.first, layout.last), _ = _longest_equal_run(layout, texts, layout.first)  # no slots: forward's
    return _enough(layout)


def _backward_text(layout: Layout, backward: list[str], block: int) -> str:
    return "\n".join(backward[layout.backward_starts[block] : layout.backward_ends[block]])


def running_parents(
    order: list[Value], kinds: Sequence[object], index: dict[Value, int], layout: Layout
) -> dict[Value, str]:
    """Nodes outside the loop (before its block before) that the loop's blocks pass terms to.

    Their gradient becomes a running sum, one addition per term in the eager order, so the
    loop's body can add its block's terms (the straight code's one sum would name every block).
    Found from the last block; a block passing terms elsewhere differs from it, and is no loop.
    """
    outer = layout.loop_start - layout.length
    running: dict[Value, str] = {}
    top = layout.place(layout.last)
    for place in range(top, top + layout.length):
        node, kind = order[place], kinds[place]
        if kind is None:
            continue
        for position in kind.grad_positions:  # type: ignore[attr-defined]
            parent = node._b if position else node._a
            source = index[parent]  # type: ignore[index]
            if source < outer:
                running[parent] = f"g{source}"  # type: ignore[index]
    return running


# -- writing the loops ------------------------------------------------------------------------


@dataclass
class Rolled:
    """The code with its loops, and the per-block table the forward loop walks."""

    forward: list[str]
    backward: list[str]
    table: list[tuple[int, ...]]
    gradients: dict[Value, str]  # the code of a gradient returned from a loop's block: _G[block][k]


class _Renamer:
    """Renames the names of a block's lines relative to the block, recording what it met."""

    def __init__(self, base: int, length: int) -> None:
        self.base, self.length = base, length
        self.seen: dict[str, set[int]] = {key: set() for key in ("vb", "gb", "vp", "gp", "vn", "gn")}
        self.slots: list[str] = []  # "I" or "_K", in the order the block's text reads them

    def name(self, match: re.Match[str]) -> str:
        letter, number = match.group(1), int(match.group(2)) - self.base
        if 0 <= number < self.length:
            where = "b"
        elif -self.length <= number < 0:
            where, number = "p", number + self.length
        elif self.length <= number < 2 * self.length:
            where, number = "n", number - self.length
        else:
            return match.group(0)
        self.seen[letter + where].add(number)
        return f"{letter}{where}{number}"

    def slot(self, match: re.Match[str]) -> str:
        kind = match.group(1)
        self.slots.append(kind)
        return f"{kind}[{'i' if kind == 'I' else 'k'}{len(self.slots) - 1}]"

    def line(self, line: str) -> str:
        code, marker, message = line.partition(_RAISE)
        return _SLOT.sub(self.slot, _NAME.sub(self.name, code)) + marker + message


def reroll(
    layout: Layout, forward: list[str], backward: list[str], result: str, gradients: dict[Value, str]
) -> Rolled | None:
    """The code with blocks first..last as two loops, or None if it cannot be written so.

    ``result`` is the code of the value returned, ``gradients`` each returned gradient's name.
    After the forward loop its locals hold the last block's values, and after the backward loop
    the first block's: code outside the loops may read those (under their own names again),
    and nothing else of the loop's blocks. A gradient returned from each block (a sample's
    input's) is saved per block by the backward loop, and returned from there.
    """
    returned = _returned_from_loop(layout, gradients)
    f_lo, f_hi = layout.forward_starts[layout.first], layout.forward_starts[layout.last + 1]
    b_lo, b_hi = layout.backward_starts[layout.last], layout.backward_ends[layout.first]
    ahead = _Renamer(layout.loop_start, layout.length)  # the body: the first block's code, renamed
    behind = _Renamer(layout.loop_start, layout.length)
    forward_body = [ahead.line(line) for line in forward[f_lo : layout.forward_starts[layout.first + 1]]]
    backward_body = [behind.line(line) for line in backward[layout.backward_starts[layout.first] : b_hi]]
    read_at_end = " ".join([result, *(name for target, name in gradients.items() if target not in returned)])
    outside = _read_outside(layout, [*forward[f_hi:], *backward[:b_lo]], [*backward[b_hi:], read_at_end])
    table = _table(layout, ahead.slots)
    kept = sorted({place for _, place in returned.values()})  # places in a block whose gradient is returned
    if (
        outside is None
        or table is None
        or not _loop_code(ahead, behind)
        or not behind.seen["gb"] >= set(kept)
    ):
        return None
    last_values, first_values, first_grads = outside
    values = sorted(behind.seen["vb"] | behind.seen["vn"] | set(first_values))
    if not ahead.seen["vb"].issuperset([*values, *last_values]) or not behind.seen["gb"] >= set(first_grads):
        return None  # a value the loop leaves behind that its body does not set
    saved = [f"vb{r}" for r in values] + [f"vp{r}" for r in sorted(behind.seen["vp"])]
    rolled_forward = _forward_loop(layout, forward_body, ahead, saved, last_values)
    rolled_backward = _backward_loop(layout, backward_body, behind, saved, first_values, first_grads, kept)
    column = {place: k for k, place in enumerate(kept)}
    returned_code = {
        target: f"_G[{block - layout.first}][{column[place]}]" for target, (block, place) in returned.items()
    }
    return Rolled(
        [*forward[:f_lo], *rolled_forward, *forward[f_hi:]],
        [*backward[:b_lo], *rolled_backward, *backward[b_hi:]],
        table,
        returned_code,
    )


def _returned_from_loop(layout: Layout, gradients: dict[Value, str]) -> dict[Value, tuple[int, int]]:
    """The returned gradients that are a loop block's own, by (block, place in the block)."""
    lo, hi = layout.loop_start, layout.place(layout.last + 1)
    returned = {}
    for target, name in gradients.items():
        match = _NAME.fullmatch(name)
        if match and match.group(1) == "g" and lo <= int(match.group(2)) < hi:
            place = int(match.group(2)) - layout.start
            returned[target] = (place // layout.length, place % layout.length)
    return returned


def _forward_loop(
    layout: Layout, body: list[str], ahead: _Renamer, saved: list[str], last_values: list[int]
) -> list[str]:
    """The forward loop: the block before's values carried in, each block's saved for the backward."""
    first_base, last_base = layout.loop_start, layout.place(layout.last)
    carried = sorted(ahead.seen["vp"])
    slots = [f"{'i' if kind == 'I' else 'k'}{j}" for j, kind in enumerate(ahead.slots)]
    return [
        *(f"vp{r} = v{first_base - layout.length + r}" for r in carried),
        "_saved = []",
        "_save = _saved.append",
        f"for {_targets(slots)} in _L:  # {layout.length} nodes a block; _L: each one's inputs, checks",
        *(f"    {line}" for line in body),
        f"    _save({_tuple(saved)})",
        *(f"    vp{r} = vb{r}" for r in carried),
        *(f"v{last_base + r} = vb{r}" for r in last_values),
    ]


def _backward_loop(
    layout: Layout,
    body: list[str],
    behind: _Renamer,
    saved: list[str],
    first_values: list[int],
    first_grads: list[int],
    kept: list[int],
) -> list[str]:
    """The backward loop, last block first: the block after's values and gradients carried in.

    The gradients at the places ``kept`` (returned ones) are kept per block, and put in block
    order in ``_G`` after the loop.
    """
    first_base, next_base = layout.loop_start, layout.place(layout.last + 1)
    values, grads = sorted(behind.seen["vn"]), sorted(behind.seen["gn"])
    keep = [f"_kept.append({_tuple([f'gb{r}' for r in kept])})"] if kept else []
    return [
        *(["_kept = []"] if kept else []),
        *(f"vn{r} = v{next_base + r}" for r in values),
        *(f"gn{r} = g{next_base + r}" for r in grads),
        f"for {_targets(saved)} in reversed(_saved):  # the blocks again, last first",
        *(f"    {line}" for line in [*body, *keep] or ["pass"]),
        *(f"    vn{r} = vb{r}" for r in values),
        *(f"    gn{r} = gb{r}" for r in grads),
        *(["_G = _kept[::-1]"] if kept else []),
        *(f"v{first_base + r} = vb{r}" for r in first_values),
        *(f"g{first_base + r} = gb{r}" for r in first_grads),
    ]


def _loop_code(ahead: _Renamer, behind: _Renamer) -> bool:
    """Whether the renamed bodies can run as loops: each name they carry is set in the body."""
    if behind.slots or ahead.seen["gb"] or ahead.seen["gp"] or ahead.seen["vn"] or ahead.seen["gn"]:
        return False  # a forward reads no gradient and no later block; a backward no input
    if behind.seen["gp"]:
        return False  # the block before's gradient is not known yet, when the backward runs
    if not behind.seen["vp"] <= ahead.seen["vp"] or not ahead.seen["vp"] <= ahead.seen["vb"]:
        return False
    return behind.seen["gn"] <= behind.seen["gb"]


def _read_outside(
    layout: Layout, early: list[str], late: list[str]
) -> tuple[list[int], list[int], list[int]] | None:
    """What code outside the loops reads of the loop's blocks, by place in a block, or None.

    ``early`` runs between the loops: it may read the last block's values. ``late`` runs after
    both: it may read those too, and the first block's values and gradients.
    """
    lo, hi, length = layout.loop_start, layout.place(layout.last + 1), layout.length
    first_base, last_base = lo, layout.place(layout.last)
    last_values: set[int] = set()
    first_values: set[int] = set()
    first_grads: set[int] = set()
    for lines, is_late in ((early, False), (late, True)):
        for line in lines:
            code = line.partition(_RAISE)[0]
            for letter, number in _NAME.findall(code):
                place = int(number)
                if not lo <= place < hi:
                    continue
                if letter == "v" and place >= last_base:
                    last_values.add(place - last_base)
                elif is_late and place < first_base + length:
                    (first_values if letter == "v" else first_grads).add(place - first_base)
                else:
                    return None
    return sorted(last_values), sorted(first_values), sorted(first_grads)


def _table(layout: Layout, slots: list[str]) -> list[tuple[int, ...]] | None:
    """Per block of the loop: the input slots and check numbers its code reads, in order."""
    table = [layout.slot_values[block] for block in range(layout.first, layout.last + 1)]
    return table if all(len(row) == len(slots) for row in table) else None


def _tuple(names: list[str]) -> str:
    return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"


def _targets(names: list[str]) -> str:
    """A for loop's target for items that are tuples of ``names`` (``_`` for empty ones)."""
    if not names:
        return "_"
    return ", ".join(names) + ("," if len(names) == 1 else "")
