#!/usr/bin/env python3
"""Lists what each top-level module of the runtime crate imports from the others, and fails
on an import cycle.

A module is a file `src/NAME.rs` or a folder `src/NAME/` (everything under it counts as
NAME). A reference is any `crate::NAME` path in code, including the names inside a
`use crate::{…}` group; `crate::ITEM` for an item the crate root re-exports counts as a
reference to the module the root takes it from. References a module makes to itself, and
comments (doc links included: a link to the module that builds on this one is not an
import), are not counted.

Usage: scripts/module_cycles.py [--quiet] [path/to/crate/src]
Exit status 1 on a cycle, with the modules on it.
"""

import re
import sys
from pathlib import Path


def strip_comments(text):
    # Character and string literals first (a "//" or "/*" inside one is not a comment), then
    # comments, doc comments too: a doc link to the module that builds on this one is not an
    # import.
    text = re.sub(r"'(?:\\.|[^'\\\n])'", "''", text)
    text = re.sub(r'r(#*)".*?"\1', '""', text, flags=re.S)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    text = re.sub(r"(?m)//.*$", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def root_items(lib):
    """Items the crate root re-exports, by name: the module each comes from."""
    items = {}
    for m in re.finditer(r"pub use (\w+)::(\{[^}]*\}|\w+);", lib):
        module, names = m.group(1), m.group(2)
        for name in re.findall(r"\w+", names):
            # `Claims` is both the trait (module `claims`) and the derive (another crate).
            items.setdefault(name, module)
    # Modules written inline in the root (`pub mod jwe { pub use crate::jwt::jwe::…; }`) are
    # the module they re-export from.
    for m in re.finditer(r"pub mod (\w+) \{((?:[^{}]|\{[^{}]*\})*)\}", lib):
        inner = re.search(r"crate::(\w+)", m.group(2))
        if inner:
            items[m.group(1)] = inner.group(1)
    return items


def group_heads(group):
    """The first segment of every path in a `{…}` group (depth one only)."""
    heads, depth, token, at_start = [], 0, "", True
    for c in group[1:-1]:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and c == ",":
            at_start = True
            continue
        if depth == 0 and at_start:
            if c.isalnum() or c == "_":
                token += c
                continue
            if token:
                heads.append(token)
                token, at_start = "", False
    if token:
        heads.append(token)
    return heads


def references(text):
    refs = []
    for m in re.finditer(r"\bcrate::(\{|\w+)", text):
        if m.group(1) != "{":
            refs.append(m.group(1))
            continue
        depth, i = 0, m.start(1)
        for j in range(i, len(text)):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                refs.extend(group_heads(text[i : j + 1]))
                break
    return refs


def graph(src):
    lib = strip_comments((src / "lib.rs").read_text())
    modules = sorted(
        p.stem if p.is_file() else p.name
        for p in src.iterdir()
        if (p.suffix == ".rs" and p.name not in ("lib.rs", "main.rs")) or p.is_dir()
    )
    items = root_items(lib)
    edges = {}
    for module in modules:
        files = [src / f"{module}.rs"] if (src / f"{module}.rs").exists() else []
        if (src / module).is_dir():
            files += sorted((src / module).rglob("*.rs"))
        out = set()
        for f in files:
            for ref in references(strip_comments(f.read_text())):
                # Items the root defines itself (a constant, `__private`) belong to no module.
                target = ref if ref in modules else items.get(ref)
                if target is not None and target != module:
                    out.add(target)
        edges[module] = sorted(out)
    return edges


def find_cycle(edges):
    """One cycle as a list of modules, or None (depth-first search, three colours)."""
    colour = {m: 0 for m in edges}
    stack = []

    def visit(m):
        colour[m] = 1
        stack.append(m)
        for n in edges.get(m, []):
            if colour.get(n) == 1:
                return stack[stack.index(n) :] + [n]
            if colour.get(n) == 0:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        colour[m] = 2
        return None

    for m in sorted(edges):
        if colour[m] == 0:
            found = visit(m)
            if found:
                return found
    return None


def main(argv):
    quiet = "--quiet" in argv
    args = [a for a in argv if a != "--quiet"]
    src = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "statebacked-claims/src"
    edges = graph(src)
    if not quiet:
        width = max(map(len, edges))
        for module, targets in edges.items():
            print(f"{module:<{width}}  -> {', '.join(targets) or '(nothing)'}")
    cycle = find_cycle(edges)
    if cycle:
        print("import cycle: " + " -> ".join(cycle), file=sys.stderr)
        return 1
    if not quiet:
        print("no import cycle among the runtime's top-level modules")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
