"""
A reader for the `.po` files makemessages writes: enough to list entries with
their flags, without a dependency. Obsolete entries (`#~`) are left out.
"""

import ast
import re
from dataclasses import dataclass, field

_FIELD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$')


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict = field(default_factory=dict)  # "" or the plural index -> text
    flags: set = field(default_factory=set)
    references: list = field(default_factory=list)

    @property
    def key(self):
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def translations(self):
        return list(self.msgstr.values())


def _unquote(literal):
    # A PO string literal is a C string; for the escapes makemessages writes
    # (\n, \t, \", \\) Python's rules give the same text.
    return ast.literal_eval(literal)


def entries(path):
    """The entries of a `.po` file, the header (msgid "") included."""
    found = []
    with open(path, encoding="utf-8") as file:
        blocks = re.split(r"\n\s*\n", file.read())
    for block in blocks:
        entry, current, seen = Entry(), None, False
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#:"):
                entry.references += line[2:].split()
            elif line.startswith("#"):
                continue
            elif match := _FIELD.match(line):
                name, text = match.group(1), _unquote(match.group(2))
                seen = True
                if name.startswith("msgstr"):
                    current = ("msgstr", name[7:-1] if "[" in name else "")
                    entry.msgstr[current[1]] = text
                else:
                    current = (name, None)
                    setattr(entry, name, text)
            elif line.startswith('"') and current:
                text = _unquote(line)
                if current[0] == "msgstr":
                    entry.msgstr[current[1]] += text
                else:
                    setattr(entry, current[0], getattr(entry, current[0]) + text)
        if seen:
            found.append(entry)
    return found
