"""A workflow drawn as inline SVG, straight from its definition (`engine.spec.Workflow`).

Generic on purpose: it only reads states and transitions, so every workflow (company
trajectory, candidate plan, a future one) gets a diagram without drawing it by hand.

Layout, top to bottom:
- the *main line*: the longest path of forward transitions from the initial state, one box
  per row, arrows between neighbours with the transition labels beside them;
- *hubs* (states many phases lead to, such as "Gestopt" or "Gepauzeerd") and any state off
  the main line sit in a column on the right; the lines to and from them fan out lightly and
  their labels are written once, under the hub, instead of on every line;
- transitions back up the main line are arcs on the left, their labels in the gap above the source.

No JavaScript and no style attributes (CSP): only SVG presentation attributes. The picture
has a <title>/<desc>; `phase_list` is the text alternative next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

from engine.spec import Workflow

BOX_W, BOX_H = 210, 40
STEP = 96  # vertical distance between main-line boxes
TOP, LEFT = 16, 44
SIDE_GAP = 250  # from the main column's right edge to the hub column
SIDE_W = 170
FONT = 13
SMALL = 12
CHAR_W = 6.4  # rough width of one character at SMALL size
HUB_SOURCES = 3

INK, MUTED, ACCENT, LINE, DONE_FILL = "#1b1b1b", "#5c5c5c", "#0b5394", "#8a8a86", "#e8f1fb"


@dataclass
class Box:
    name: str
    label: str
    x: float
    y: float
    w: float
    final: bool
    side: bool

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + BOX_H / 2


@dataclass
class Layout:
    boxes: dict[str, Box]
    chain: list[str]
    down: dict[str, list[str]] = field(default_factory=dict)  # chain state -> labels to the next one
    back: list[tuple[str, str, str]] = field(default_factory=list)  # (src, dst, label), dst above src
    skip: list[tuple[str, str, str]] = field(default_factory=list)  # forward, past the next box
    fan_in: dict[str, list[str]] = field(default_factory=dict)  # side state -> main-line sources
    fan_out: dict[str, list[str]] = field(default_factory=dict)  # side state -> main-line destinations
    side_links: list[tuple[str, str, str]] = field(default_factory=list)  # side -> side
    captions: dict[str, list[str]] = field(default_factory=dict)
    width: float = 0
    height: float = 0


def edges(spec: Workflow) -> list[tuple[str, str, str]]:
    """(source, destination, label) for every transition that changes the phase, deduplicated."""
    seen: dict[tuple[str, str, str], None] = {}
    for t in spec.transitions:
        if t.dest is None:
            continue
        for src in t.sources(spec.states):
            if src != t.dest:
                seen[(src, t.dest, t.label or t.trigger)] = None
    return list(seen)


def _main_line(spec: Workflow, all_edges: list[tuple[str, str, str]], hubs: set[str]) -> list[str]:
    """Longest path of forward transitions (in definition order) from the initial state."""
    order = {s.name: i for i, s in enumerate(spec.states)}
    best: dict[str, tuple[int, str | None]] = {spec.initial.name: (0, None)}
    for s in spec.states:  # definition order is a topological order of forward edges
        if s.name not in best:
            continue
        for src, dst, _ in all_edges:
            if src == s.name and dst not in hubs and order[dst] > order[src]:
                length = best[src][0] + 1
                if dst not in best or length > best[dst][0]:
                    best[dst] = (length, src)
    end = max(best, key=lambda n: (best[n][0], -order[n]))
    chain: list[str] = []
    node: str | None = end
    while node is not None:
        chain.append(node)
        node = best[node][1]
    return chain[::-1]


def layout(spec: Workflow) -> Layout:
    all_edges = edges(spec)
    sources: dict[str, set[str]] = {}
    for src, dst, _ in all_edges:
        sources.setdefault(dst, set()).add(src)
    order = {s.name: i for i, s in enumerate(spec.states)}
    hubs = {s.name for s in spec.states
            if not s.initial and sum(1 for o in sources.get(s.name, ()) if order[o] < order[s.name]) >= HUB_SOURCES}
    chain = _main_line(spec, all_edges, hubs)
    boxes: dict[str, Box] = {}
    box_w = max(BOX_W, max(len(spec.state_label(n)) for n in chain) * CHAR_W * FONT / SMALL + 28)
    for i, name in enumerate(chain):
        st = spec.state(name)
        boxes[name] = Box(name, st.label, LEFT, TOP + i * STEP, box_w, st.final, False)
    side_x = LEFT + box_w + SIDE_GAP
    wanted: list[tuple[float, int, str]] = []
    for idx, st in enumerate(spec.states):
        if st.name in boxes:
            continue
        ys = [boxes[o].cy for src, dst, _ in all_edges for o in ((dst,) if src == st.name else (src,) if dst == st.name else ())
              if o in boxes]
        wanted.append(((sum(ys) / len(ys)) if ys else TOP + len(chain) * STEP, idx, st.name))
    y_next = TOP
    for target, _, name in sorted(wanted):
        y = max(target - BOX_H / 2, y_next)
        st = spec.state(name)
        boxes[name] = Box(name, st.label, side_x, y, SIDE_W, st.final, True)
        y_next = y + BOX_H + 2 * SMALL + 40
    lay = Layout(boxes=boxes, chain=chain)
    pos = {n: i for i, n in enumerate(chain)}
    for src, dst, label in all_edges:
        if src in pos and dst in pos:
            if pos[dst] == pos[src] + 1:
                lay.down.setdefault(src, []).append(label)
            elif pos[dst] < pos[src]:
                lay.back.append((src, dst, label))
            else:
                lay.skip.append((src, dst, label))
        elif src in pos:
            lay.fan_in.setdefault(dst, []).append(src)
            _caption(lay, dst, f"via: {label}")
        elif dst in pos:
            lay.fan_out.setdefault(src, []).append(dst)
            _caption(lay, src, f"terug: {label}")
        else:
            lay.side_links.append((src, dst, label))
            _caption(lay, dst, f"via: {label}")
    bottom = max(b.y + BOX_H + (len(lay.captions.get(b.name, ())) + 1) * (SMALL + 4) for b in boxes.values())
    longest = max((len(c) for cs in lay.captions.values() for c in cs), default=0)
    lay.width = max(side_x + SIDE_W, side_x + longest * CHAR_W) + 12 if any(b.side for b in boxes.values()) \
        else LEFT + box_w + SIDE_GAP
    lay.height = bottom + 8
    return lay


def _caption(lay: Layout, name: str, text: str) -> None:
    lines = lay.captions.setdefault(name, [])
    if text not in lines:
        lines.append(text)


# -- drawing ------------------------------------------------------------------------------------


def _text(x: float, y: float, text: str, *, size: int = SMALL, anchor: str = "start", fill: str = INK,
          weight: str = "normal", halo: bool = False) -> str:
    extra = ' stroke="#ffffff" stroke-width="4" paint-order="stroke" stroke-linejoin="round"' if halo else ""
    return (f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}"{extra}>{escape(text)}</text>')


def _box(b: Box, status: str) -> str:
    fill, stroke, ink, width = "#ffffff", LINE, INK, 1
    if status == "current":
        fill, stroke, ink, width = ACCENT, ACCENT, "#ffffff", 3
    elif status == "visited":
        fill, stroke = DONE_FILL, ACCENT
    label = ("✓ " if status == "visited" else "") + b.label
    parts = [f'<g class="state state-{status}" data-state="{escape(b.name)}">',
             f'<rect x="{b.x:.0f}" y="{b.y:.0f}" width="{b.w:.0f}" height="{BOX_H}" rx="{14 if b.final else 6}" '
             f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>']
    if b.final:
        parts.append(f'<rect x="{b.x + 3:.0f}" y="{b.y + 3:.0f}" width="{b.w - 6:.0f}" height="{BOX_H - 6}" '
                     f'rx="11" fill="none" stroke="{stroke if status != "current" else "#ffffff"}" stroke-width="1"/>')
    parts.append(_text(b.cx, b.cy + 5, label, size=FONT, anchor="middle", fill=ink,
                       weight="bold" if status == "current" else "normal"))
    parts.append("</g>")
    return "".join(parts)


def render_svg(spec: Workflow, current: str | None = None, visited: set[str] | frozenset[str] = frozenset(),
               *, title: str | None = None) -> Markup:
    """The workflow as an inline <svg> with the current phase highlighted and visited ones ticked."""
    lay = layout(spec)
    b = lay.boxes
    uid = f"wf-{spec.name}-{spec.version}"
    title = title or f"Werkproces {spec.label}"
    current_label = spec.state_label(current) if current else None
    desc = f"Huidige fase: {current_label}." if current_label else "Alle fasen van het werkproces."
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow-diagram" viewBox="0 0 {lay.width:.0f} '
           f'{lay.height:.0f}" width="{lay.width:.0f}" height="{lay.height:.0f}" role="img" '
           f'aria-labelledby="{uid}-title {uid}-desc" font-family="system-ui, sans-serif">',
           f'<title id="{uid}-title">{escape(title)}</title><desc id="{uid}-desc">{escape(desc)}</desc>',
           '<defs>',
           f'<marker id="{uid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{MUTED}"/></marker>',
           f'<marker id="{uid}-light" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
           f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{LINE}"/></marker>',
           '</defs>']
    arrow, light = f'marker-end="url(#{uid}-arrow)"', f'marker-end="url(#{uid}-light)"'
    # lines to and from the side column first, so the main line is drawn on top of them: each
    # side state gathers its main-line neighbours on a vertical "bus" next to it
    for k, side in enumerate(n for n in b if b[n].side):
        h = b[side]
        bus = h.x - 24 - 22 * k
        for members, dy, dashed in ((lay.fan_in.get(side, []), -5, False), (lay.fan_out.get(side, []), 5, True)):
            if not members:
                continue
            x = bus + (10 if dashed else 0)
            dash = ' stroke-dasharray="4 3"' if dashed else ""
            ys = [b[m].cy + dy for m in members] + [h.cy + dy]
            out.append(f'<path d="M{x:.0f},{min(ys):.0f} L{x:.0f},{max(ys):.0f}" fill="none" stroke="{LINE}" '
                       f'stroke-width="1.2"{dash}/>')
            for m in members:
                s_box = b[m]
                if dashed:
                    out.append(f'<path d="M{x:.0f},{s_box.cy + dy:.0f} L{s_box.x + s_box.w:.0f},{s_box.cy + dy:.0f}" '
                               f'fill="none" stroke="{LINE}" stroke-width="1.2"{dash} {light}/>')
                else:
                    out.append(f'<path d="M{s_box.x + s_box.w:.0f},{s_box.cy + dy:.0f} L{x:.0f},{s_box.cy + dy:.0f}" '
                               f'fill="none" stroke="{LINE}" stroke-width="1.2"/>')
            if dashed:
                out.append(f'<path d="M{h.x:.0f},{h.cy + dy:.0f} L{x:.0f},{h.cy + dy:.0f}" fill="none" '
                           f'stroke="{LINE}" stroke-width="1.2"{dash}/>')
            else:
                out.append(f'<path d="M{x:.0f},{h.cy + dy:.0f} L{h.x:.0f},{h.cy + dy:.0f}" fill="none" '
                           f'stroke="{LINE}" stroke-width="1.2" {light}/>')
    for i, (src, dst, _label) in enumerate(lay.side_links):
        s, d = b[src], b[dst]
        x = s.x + s.w + 12 + 6 * i
        out.append(f'<path d="M{s.x + s.w:.0f},{s.cy:.0f} C{x:.0f},{s.cy:.0f} {x:.0f},{d.cy:.0f} '
                   f'{d.x + d.w:.0f},{d.cy:.0f}" fill="none" stroke="{LINE}" stroke-width="1" {light}/>')
    # the main line
    gap_labels: dict[str, list[str]] = {n: [f"↓ {lab}" for lab in labs] for n, labs in lay.down.items()}
    for name in lay.down:
        s = b[name]
        out.append(f'<path d="M{s.cx:.0f},{s.y + BOX_H:.0f} L{s.cx:.0f},{s.y + STEP - 2:.0f}" fill="none" '
                   f'stroke="{MUTED}" stroke-width="1.5" {arrow}/>')
    for i, (src, dst, label) in enumerate(lay.back):
        s, d = b[src], b[dst]
        x = s.x - 14 - 8 * (i % 3)
        out.append(f'<path d="M{s.x:.0f},{s.cy:.0f} C{x:.0f},{s.cy:.0f} {x:.0f},{d.cy:.0f} {d.x:.0f},{d.cy:.0f}" '
                   f'fill="none" stroke="{MUTED}" stroke-width="1.2" stroke-dasharray="5 3" {arrow}/>')
        above = lay.chain[lay.chain.index(src) - 1]
        gap_labels.setdefault(above, []).append(f"↑ {label}")
    for i, (src, dst, label) in enumerate(lay.skip):
        s, d = b[src], b[dst]
        x = s.x - 14 - 8 * ((i + len(lay.back)) % 3)
        out.append(f'<path d="M{s.x:.0f},{s.cy:.0f} C{x:.0f},{s.cy:.0f} {x:.0f},{d.cy:.0f} {d.x:.0f},{d.cy:.0f}" '
                   f'fill="none" stroke="{MUTED}" stroke-width="1.2" {arrow}/>')
        gap_labels.setdefault(src, []).append(f"↓ {label} → {d.label}")
    for name, labs in gap_labels.items():
        s = b[name]
        gap_top = s.y + BOX_H
        first = gap_top + (STEP - BOX_H) / 2 - (len(labs) - 1) * (SMALL + 2) / 2 + 4
        for j, lab in enumerate(labs):
            out.append(_text(s.cx + 10, first + j * (SMALL + 2), lab, fill=INK, halo=True))
    # boxes and hub captions on top
    for box in b.values():
        status = "current" if box.name == current else "visited" if box.name in visited else "todo"
        out.append(_box(box, status))
        for j, cap in enumerate(lay.captions.get(box.name, ())):
            out.append(_text(box.x, box.y + BOX_H + 16 + j * (SMALL + 4), cap, fill=MUTED, halo=True))
    out.append("</svg>")
    return Markup("".join(out))


@dataclass(frozen=True)
class PhaseItem:
    """One line of the diagram's text alternative."""

    label: str
    status: str  # current | visited | todo
    status_label: str
    exits: tuple[str, ...]


STATUS_LABELS = {"current": "huidige fase", "visited": "doorlopen", "todo": "nog niet bereikt"}


def phase_list(spec: Workflow, current: str | None, visited: set[str] | frozenset[str]) -> list[PhaseItem]:
    """The diagram in words: each phase, where the case stands, and where each action leads."""
    exits: dict[str, list[str]] = {}
    for src, dst, label in edges(spec):
        exits.setdefault(src, []).append(f"{label} → {spec.state_label(dst)}")
    items = []
    for st in spec.states:
        status = "current" if st.name == current else "visited" if st.name in visited else "todo"
        items.append(PhaseItem(st.label, status, STATUS_LABELS[status], tuple(exits.get(st.name, ()))))
    return items


def mermaid(spec: Workflow) -> str:
    """The same diagram as Mermaid text, for people who want to edit or print it elsewhere."""
    lines = ["stateDiagram-v2", f"    [*] --> {spec.initial.name}"]
    for st in spec.states:
        lines.append(f'    {st.name} : {st.label}')
    for src, dst, label in edges(spec):
        lines.append(f"    {src} --> {dst} : {label.replace(':', ' -')}")
    for st in spec.states:
        if st.final:
            lines.append(f"    {st.name} --> [*]")
    return "\n".join(lines) + "\n"
