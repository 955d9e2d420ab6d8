"""Facts the README and the docs state about the code, checked against it."""

from __future__ import annotations

import re
from pathlib import Path

from skdigits._commands.cli import build_parser

ROOT = Path(__file__).parents[1]
PAGES = [
    ROOT / "README.md",
    ROOT / "benchmarks" / "README.md",
    ROOT / "docs" / "conf.py",
]
PAGES += sorted((ROOT / "docs").glob("*.rst"))


def _subcommands() -> dict:
    parser = build_parser()
    (action,) = [a for a in parser._actions if a.dest == "command" or a.choices]
    return dict(action.choices)


def test_the_recipe_help_names_every_recipe():
    from skdigits.augmentation import RECIPES

    train = _subcommands()["train"]
    (recipe,) = [a for a in train._actions if "--recipe" in a.option_strings]
    assert [name for name in RECIPES if name not in recipe.help] == []


def test_the_cli_page_describes_every_command():
    commands = sorted(_subcommands())
    assert commands == ["export", "predict", "serve", "train"]
    cli = (ROOT / "docs" / "cli.rst").read_text(encoding="utf-8")
    assert "It has four commands" in cli
    assert all(f"``skdigits {name}``" in cli for name in commands)
    assert "--no-download" in cli


def test_no_page_names_a_module_that_is_gone():
    gone = re.compile(r"skdigits\.(training|report)\b|benchmarks/bench\.py")
    found = [
        f"{path.relative_to(ROOT)}: {m[0]}"
        for path in PAGES
        for m in gone.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_benchmark_readme_describes_every_question():
    from benchmarks.__main__ import NOT_QUESTIONS

    questions = {
        p.stem
        for p in (ROOT / "benchmarks").glob("*.py")
        if not p.stem.startswith("_") and p.stem not in NOT_QUESTIONS
    }
    readme = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    performance = (ROOT / "docs" / "performance.rst").read_text(encoding="utf-8")
    assert sorted(q for q in questions if f"(`{q}.py`)" not in readme) == []
    assert sorted(q for q in questions if f"**{q}**" not in performance) == []
