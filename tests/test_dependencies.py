"""
requirements.lock, the hashed runtime closure the Docker image installs from,
stays in step with requirements.txt, the pins people edit. `make lock`
regenerates it. Plain file parsing: no network, no database.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>\S+)$")


def _normalise(name):
    # PEP 503: Django == django, pydantic_core == pydantic-core.
    return re.sub(r"[-_.]+", "-", name).lower()


def direct_pins(text):
    """{name: version} for each `name==version` line of a requirements file."""
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = PIN.match(line)
        assert match, f"requirements.txt: not an exact pin: {line!r}"
        pins[_normalise(match["name"])] = match["version"]
    return pins


def lock_entries(text):
    """{name: (version, hashes)} for each requirement of a pip-compile lock file."""
    logical_lines, current = [], ""
    for line in text.splitlines():
        line = line.split("#", 1)[0].rstrip()
        current += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            if current.strip():
                logical_lines.append(current.strip())
            current = ""
    entries = {}
    for line in logical_lines:
        requirement, *options = line.split()
        match = PIN.match(requirement)
        assert match, f"requirements.lock: not an exact pin: {line!r}"
        hashes = [
            option.removeprefix("--hash=") for option in options if option.startswith("--hash=")
        ]
        entries[_normalise(match["name"])] = (match["version"], hashes)
    return entries


def test_every_direct_pin_is_in_the_lock_at_the_same_version():
    pins = direct_pins((ROOT / "requirements.txt").read_text())
    lock = lock_entries((ROOT / "requirements.lock").read_text())

    out_of_step = {
        name: (version, lock.get(name, (None,))[0])
        for name, version in pins.items()
        if lock.get(name, (None,))[0] != version
    }

    assert not out_of_step, f"run `make lock`; (requirements.txt, lock) differ: {out_of_step}"


def test_every_locked_requirement_carries_a_sha256_hash():
    lock = lock_entries((ROOT / "requirements.lock").read_text())

    unhashed = sorted(name for name, (_version, hashes) in lock.items() if not hashes)
    malformed = sorted(
        name
        for name, (_version, hashes) in lock.items()
        if any(not re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes)
    )

    assert len(lock) > len(direct_pins((ROOT / "requirements.txt").read_text()))
    assert not unhashed, f"lock lines without --hash: {unhashed}"
    assert not malformed, f"lock lines with a malformed hash: {malformed}"


def test_the_checks_catch_a_stale_version_and_a_missing_hash():
    lock = lock_entries(
        "django==5.2.1 \\\n"
        "    --hash=sha256:" + "a" * 64 + "\n"
        "    # via -r requirements.txt\n"
        "lxml==6.0.2\n"
        "    # via -r requirements.txt\n"
    )
    pins = direct_pins("Django==5.2.19\n# a comment\nlxml==6.0.2  # inline note\n")

    assert lock == {"django": ("5.2.1", ["sha256:" + "a" * 64]), "lxml": ("6.0.2", [])}
    assert pins == {"django": "5.2.19", "lxml": "6.0.2"}
